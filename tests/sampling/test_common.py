"""scikit-learn's and imbalanced-learn's estimator checks on every sampler."""

from imblearn.utils.estimator_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from sklearn.utils.estimator_checks import (
    parametrize_with_checks as sklearn_parametrize_with_checks,
)

from skrec.sampling import (
    SMOGN,
    SMOTER,
    BalancedGroupSampler,
    RegressionRandomOverSampler,
    RegressionRandomUnderSampler,
    TemperatureSampler,
)

CLASS_SAMPLERS = [
    TemperatureSampler(temperature=2.0, random_state=0),
    BalancedGroupSampler(random_state=0),
]
REGRESSION_SAMPLERS = [
    RegressionRandomOverSampler(random_state=0),
    RegressionRandomUnderSampler(random_state=0),
    SMOTER(random_state=0),
    SMOGN(random_state=0),
]
ALL_SAMPLERS = CLASS_SAMPLERS + REGRESSION_SAMPLERS


def expected_failed_checks(estimator):
    failed = {}
    if estimator in REGRESSION_SAMPLERS:
        failed.update(
            {
                # imbalanced-learn's check demands that a continuous target be
                # rejected ("Unknown label type"); a regression sampler
                # resamples exactly such targets (declared by its target tags).
                "check_target_type": "regression samplers take continuous targets",
                # The check feeds a one-vs-all (2-D indicator) target and expects
                # class re-encoding; continuous targets have no classes.
                "check_samplers_multiclass_ova": "no classes to one-hot encode",
            }
        )
    if isinstance(estimator, (SMOTER, SMOGN)):
        # Synthetic targets are interpolated, so integer targets come back as
        # float64 (float32 targets and features do keep their dtype).
        failed["check_samplers_preserve_dtype"] = "interpolated targets are floats"
        # Sparse input is rejected with a clear TypeError (the input tags say
        # sparse=False); this imblearn check runs on sparse DataFrames anyway.
        failed["check_samplers_pandas_sparse"] = "sparse input is not supported"
    return failed


@imblearn_parametrize_with_checks(
    ALL_SAMPLERS, expected_failed_checks=expected_failed_checks
)
def test_imblearn_checks(estimator, check):
    check(estimator)


@sklearn_parametrize_with_checks(
    ALL_SAMPLERS, expected_failed_checks=expected_failed_checks
)
def test_sklearn_checks(estimator, check):
    check(estimator)
