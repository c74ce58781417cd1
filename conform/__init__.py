"""conform: the conformance harness and ledger audit for 职工医保门诊共济保障机制 settlement systems.

One top-level package so an installed wheel adds a single name to site-packages: reference/ (the rules
as cited data and the reference engine), harness/ (`conform run`, adapters, reports), audit/ (`conform
audit`) and fixtures/ (example regions, the sample system) are its subpackages; display.py, which all of them use,
is the one definition of the characters no reader is shown raw.
"""
