"""``python -m skrec augment`` on the bundled Beauty data."""

import pytest

from skrec._cli import main


def test_default_length_aware_on_a_few_users(capsys):
    assert main(["augment", "--n-users", "300", "--random-state", "0"]) == 0
    out = capsys.readouterr().out
    assert "LengthAwareAugmenter on Amazon Beauty (300 sequences" in out
    assert "sequences changed:" in out and "mean gap variance" in out


def test_ti_crop_halves_the_data(capsys):
    argv = ["augment", "--operator", "ti_crop", "--rate", "0.5", "--n-users", "200"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    lines = {line[:28].strip(): line[28:].split() for line in out.splitlines()}
    before, after = (int(v.replace(",", "")) for v in lines["interactions"])
    assert after < 0.6 * before
    assert "sequences changed: 100.0%" in out


@pytest.mark.parametrize(
    "argv, message",
    [(["--operator", "random_mask", "--mode", "maximum"], "--mode does not apply"),
     (["--operator", "ti_mask", "--rate", "2"], "rate"),
     (["--n-users", "0"], "--n-users")],
)
def test_errors_exit_2(capsys, argv, message):
    assert main(["augment", "--n-users", "50", *argv] if "--n-users" not in argv
                else ["augment", *argv]) == 2
    assert message in capsys.readouterr().err


def test_unknown_operator_is_an_argparse_error():
    with pytest.raises(SystemExit):
        main(["augment", "--operator", "nope"])
