"""Reports: calls (and the visits behind them) counted per period and group."""
