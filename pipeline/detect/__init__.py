"""Early warning: cascade (A1) and surge (A2) detectors, incident fusion (A3), backtest, the spread cycle."""
