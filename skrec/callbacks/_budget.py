"""Stop training when a time budget is spent."""

import numbers
import time

from skorch.callbacks import Callback

__all__ = ["TimeBudget"]


class TimeBudget(Callback):
    """End a skorch fit after the epoch during which ``seconds`` ran out.

    Comparing models "under the same budget" means the same training time,
    not the same number of epochs: a GRU epoch costs a fraction of a
    contrastive transformer's. The check runs at the end of every epoch, so
    the fit ends at the first epoch boundary past the budget; the epoch is
    complete and recorded, and ``on_train_end`` callbacks (early stopping's
    restoring of the best weights among them) run as after a normal end.
    ``history[-1]["time_budget_spent"]`` is ``True`` on the epoch that
    stopped the fit.

    Parameters
    ----------
    seconds : float
        Wall-clock budget of one ``fit`` (or ``partial_fit``) call.
    clock : callable, default=time.perf_counter
        Seconds since an arbitrary origin; ``time.process_time`` budgets CPU
        time instead of wall time.

    Examples
    --------
    >>> from skrec.callbacks import TimeBudget
    >>> from skrec.recommenders import SASRec
    >>> model = SASRec(max_epochs=1000, callbacks=[("budget", TimeBudget(600))])
    """

    def __init__(self, seconds, clock=time.perf_counter):
        self.seconds = seconds
        self.clock = clock

    def initialize(self):
        if not isinstance(self.seconds, numbers.Real) or isinstance(self.seconds, bool) \
                or not self.seconds > 0:
            raise ValueError(f"seconds must be a positive number, got {self.seconds!r}.")
        return self

    def on_train_begin(self, net, **kwargs):
        self.start_ = self.clock()

    def on_epoch_end(self, net, **kwargs):
        if self.clock() - self.start_ >= self.seconds:
            net.history.record("time_budget_spent", True)
            # skorch ends the fit loop on KeyboardInterrupt and still runs
            # on_train_end.
            raise KeyboardInterrupt
