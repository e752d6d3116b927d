"""Tests of the AdaTask optimizers against torch's and against per-task references."""

import copy

import pytest
import torch
from torch.testing import assert_close

from skrec.optim import AdaTaskAdagrad, AdaTaskAdam, AdaTaskRMSprop

PAIRS = [
    (AdaTaskAdam, torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6)),
    (AdaTaskAdam, torch.optim.Adam, dict(lr=0.003, weight_decay=0.1)),
    (AdaTaskRMSprop, torch.optim.RMSprop, dict(lr=0.01, alpha=0.9)),
    (AdaTaskRMSprop, torch.optim.RMSprop, dict(lr=0.02, weight_decay=0.05, eps=1e-4)),
    (AdaTaskAdagrad, torch.optim.Adagrad, dict(lr=0.1)),
    (
        AdaTaskAdagrad,
        torch.optim.Adagrad,
        dict(lr=0.05, weight_decay=0.2, initial_accumulator_value=0.1),
    ),
]


def _params(seed=0):
    g = torch.Generator().manual_seed(seed)
    return [
        torch.nn.Parameter(torch.randn(4, 3, generator=g)),
        torch.nn.Parameter(torch.randn(5, generator=g)),
    ]


def _grads(step, shapes, n_tasks=1, scale=None):
    g = torch.Generator().manual_seed(100 + step)
    out = [torch.randn(n_tasks, *s, generator=g) for s in shapes]
    if scale is not None:
        out = [o * torch.tensor(scale).reshape(-1, *[1] * (o.ndim - 1)) for o in out]
    return out


@pytest.mark.parametrize("ours_cls, torch_cls, kwargs", PAIRS)
@pytest.mark.parametrize("shared", [False, True])
def test_single_task_equals_torch_exactly(ours_cls, torch_cls, kwargs, shared):
    ref_params = _params()
    our_params = copy.deepcopy(ref_params)
    ref = torch_cls(ref_params, foreach=False, **kwargs)
    ours = ours_cls([{"params": our_params, "shared": shared}], n_tasks=1, **kwargs)
    shapes = [p.shape for p in ref_params]
    for step in range(6):
        grads = _grads(step, shapes)
        for p, g in zip(ref_params, grads):
            p.grad = g[0].clone()
        if shared:  # per-task gradient path
            ours.set_task_gradients(our_params, [g.clone() for g in grads])
        else:  # ordinary .grad path
            for p, g in zip(our_params, grads):
                p.grad = g[0].clone()
        ref.step()
        ours.step()
        for a, b in zip(our_params, ref_params):
            assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize(
    "ours_cls, torch_cls, kwargs", PAIRS[:1] + PAIRS[2:3] + PAIRS[4:5]
)
def test_single_task_equals_default_torch(ours_cls, torch_cls, kwargs):
    ref_params = _params(1)
    our_params = copy.deepcopy(ref_params)
    ref, ours = torch_cls(ref_params, **kwargs), ours_cls(our_params, **kwargs)
    for step in range(5):
        for p, q, g in zip(
            ref_params, our_params, _grads(step, [p.shape for p in ref_params])
        ):
            p.grad, q.grad = g[0].clone(), g[0].clone()
        ref.step()
        ours.step()
    for a, b in zip(our_params, ref_params):
        assert_close(a, b)


@pytest.mark.parametrize("ours_cls, torch_cls, kwargs", [PAIRS[0], PAIRS[2], PAIRS[4]])
def test_two_tasks_sum_of_independent_optimizers(ours_cls, torch_cls, kwargs):
    # Without weight decay a step does not depend on the parameter value, so
    # AdaTask's update must be the sum of two independent optimizers' updates,
    # each fed one task's gradient.
    params = _params(2)
    start = [p.detach().clone() for p in params]
    refs = [copy.deepcopy(params) for _ in range(2)]
    ref_opts = [torch_cls(r, foreach=False, **kwargs) for r in refs]
    ours = ours_cls([{"params": params, "shared": True}], n_tasks=2, **kwargs)
    shapes = [p.shape for p in params]
    for step in range(5):
        grads = _grads(step, shapes, n_tasks=2, scale=[1.0, 50.0])
        ours.set_task_gradients(params, grads)
        ours.step()
        for k in range(2):
            for p, g in zip(refs[k], grads):
                p.grad = g[k].clone()
            ref_opts[k].step()
    for i, p in enumerate(params):
        expected = start[i] + (refs[0][i] - start[i]) + (refs[1][i] - start[i])
        assert_close(p.detach(), expected.detach(), rtol=1e-5, atol=1e-6)


def test_average_divides_the_summed_step():
    a, b = _params(3), _params(3)
    start = [p.detach().clone() for p in a]
    summed = AdaTaskAdam([{"params": a, "shared": True}], lr=0.01)
    averaged = AdaTaskAdam([{"params": b, "shared": True}], lr=0.01, average=True)
    grads = _grads(0, [p.shape for p in a], n_tasks=3)
    summed.set_task_gradients(a, grads)
    averaged.set_task_gradients(b, grads)
    summed.step()
    averaged.step()
    for s, p, q in zip(start, a, b):
        assert_close((q - s).detach(), (p - s).detach() / 3, rtol=1e-5, atol=1e-7)


def test_task_unaware_mode_is_adam_on_summed_gradient():
    a = _params(4)
    b = copy.deepcopy(a)
    ours = AdaTaskAdam([{"params": a, "shared": True}], lr=0.01, task_aware=False)
    ref = torch.optim.Adam(b, lr=0.01, foreach=False)
    for step in range(4):
        grads = _grads(step, [p.shape for p in a], n_tasks=2, scale=[1.0, 30.0])
        ours.set_task_gradients(a, grads)
        for p, g in zip(b, grads):
            p.grad = g.sum(0)
        ours.step()
        ref.step()
    for p, q in zip(a, b):
        assert_close(p, q)


def test_adatask_step_is_invariant_to_another_tasks_scale_but_adam_is_not():
    def run(opt_cls, scale, **kw):
        params = _params(5)
        start = params[0].detach().clone()
        opt = opt_cls([{"params": params, "shared": True}], lr=0.01, **kw)
        for step in range(5):
            grads = _grads(
                step, [p.shape for p in params], n_tasks=2, scale=[1.0, scale]
            )
            # task 0 only touches the first row, task 1 only the others
            grads[0][0, 1:] = 0
            grads[0][1, 0] = 0
            opt.set_task_gradients(params, grads)
            opt.step()
        return (params[0] - start)[0].detach()

    # row 0 only receives task 0's gradient: its AdaTask steps ignore task 1's scale
    assert_close(run(AdaTaskAdam, 1.0), run(AdaTaskAdam, 1000.0))

    def run_overlap(task_aware, scale):
        params = _params(6)
        opt = AdaTaskAdam(
            [{"params": params, "shared": True}], lr=0.01, task_aware=task_aware
        )
        for step in range(5):
            grads = _grads(
                step, [p.shape for p in params], n_tasks=2, scale=[1.0, scale]
            )
            opt.set_task_gradients(params, grads)
            opt.step()
        # the shares of task 0 in AU
        return opt.dominance()

    balanced = run_overlap(True, 1000.0)
    dominated = run_overlap(False, 1000.0)
    # AdaTask: each task gets updates of similar size; Adam: task 1 dominates
    assert all(0.2 < s[0] < 0.8 for s in balanced.values())
    assert all(s[0] < 0.01 for s in dominated.values())
    for shares in list(balanced.values()) + list(dominated.values()):
        assert sum(shares) == pytest.approx(1.0)


def test_task_au_is_moving_average_of_squared_update():
    w = torch.nn.Parameter(torch.zeros(2))
    opt = AdaTaskAdagrad([{"params": [w], "shared": True}], lr=1.0, au_beta=0.5)
    opt.set_task_gradients([w], [torch.tensor([[2.0, 0.0], [0.0, -3.0]])])
    opt.step()
    # Adagrad first step: update_k = -lr * g_k / |g_k| on its own coordinate
    # -> mean squared update per task = (1 + 0) / 2 = 0.5; AU = (1 - 0.5) * 0.5
    ((au, numel),) = opt.task_au().values()
    assert numel == 2
    assert au == pytest.approx([0.25, 0.25])
    assert_close(w.detach(), torch.tensor([-1.0, 1.0]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(lr=-1), "learning rate"),
        (dict(betas=(1.0, 0.9)), "betas"),
        (dict(n_tasks=0), "n_tasks"),
        (dict(au_beta=1.0), "au_beta"),
        (dict(weight_decay=-0.1), "weight_decay"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AdaTaskAdam(_params(), **kwargs)


def test_bad_task_gradients():
    params = _params()
    opt = AdaTaskAdam([{"params": params, "shared": True}], n_tasks=2)
    with pytest.raises(ValueError, match="n_tasks=2"):
        opt.set_task_gradients(params, [torch.zeros(3, *p.shape) for p in params])
    with pytest.raises(ValueError, match="expected"):
        opt.set_task_gradients(params, [torch.zeros(2, 7) for _ in params])
    with pytest.raises(ValueError, match="task gradients"):
        opt.set_task_gradients(params, [torch.zeros(2, *params[0].shape)])
