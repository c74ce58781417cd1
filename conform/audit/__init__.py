"""The regulator's ledger audit (`conform audit`): recompute every settlement of an exported
ledger (结算清单) to the fen with one vectorised plan, and report where the recorded figures differ."""
