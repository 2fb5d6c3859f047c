"""Analysis of stored history: summaries of a range, comparison with an earlier period, the
series that changed most in a window, and who used the machine.

Pure computations over what ``storage`` reads (``Aggregates``, process snapshots), with numpy
and pandas; ``ranges`` reads what a computation needs through ``storage.history``. May import
``storage``; never the app, the collectors, Flask or Dash.
"""
