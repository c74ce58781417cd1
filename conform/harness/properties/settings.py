"""Hypothesis profiles for the properties, the seed, and the counterexample printout (a pytest plugin).

Profiles (harness-owned names; they apply to the properties only, never to other tests):
  conform   quick default for local runs (`uv run pytest`): a few dozen examples per property
  ci        derandomized, so a CI job sees the same examples every run; chosen when CI=true
  thorough  certification runs (`conform run --thorough` / `pytest --conform-thorough`): as many examples as a
            time budget allows (below)
CONFORM_PROFILE=<name> picks one explicitly.

Time budget: `--conform-budget 10m` (`conform run --budget 10m`; s, m or h, e.g. 90s, 1.5h, 1h30m)
is the time the session may take, counted from its start: the scenarios run first, then the
properties share what is left. Each property in turn gets an equal share of what is left
(remaining budget / properties not yet run, so time a quick property leaves unused goes to the
later ones), and its examples grow in rounds until that share is spent
(conform/harness/properties/runner.py). `--conform-thorough` (`conform run --thorough`) without a budget gets
THOROUGH_BUDGET (10 minutes);
a fixed `--conform-examples N` runs exactly N examples per property and no budget. Every property
runs at least one example, and no new example starts after its share's deadline (runner.Budget: a failure
found shrinks within what is left of the share, at least 2 s), so a tiny budget can be overrun by about
one example per property.
`conform run` runs in one process. Under pytest-xdist (`uv run pytest --conform-thorough`) each worker
spends the budget on its part of the properties, reckoned as an equal part of those collected.

The seed comes from `--conform-seed N` (or Hypothesis's own `--hypothesis-seed N`); without one a
random seed is drawn (under pytest-xdist by the controller, for every worker), and either way it is
recorded in the RunResult together with the number of examples, so `--conform-seed N` reproduces a run.
Loaded by conform/harness/plugin.py (`pytest_plugins`).
"""
from __future__ import annotations

import contextlib
import io
import os
import random
import re
import shlex
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import pytest
from hypothesis import HealthCheck, Phase, settings

# No `explain` phase: it replays the failure many times to annotate Python source, which a
# system over HTTP pays for in requests; the counterexample is rendered as Gherkin instead.
COMMON = dict(deadline=None, database=None, print_blob=False, report_multiple_bugs=False,
              phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
PROFILES = {
    # derandomize stated for each: under CI=true Hypothesis loads its own derandomized default profile,
    # which register_profile would otherwise pass on to ours.
    "conform": dict(max_examples=20, stateful_step_count=12, derandomize=False),
    "ci": dict(max_examples=30, stateful_step_count=15, derandomize=True),
    "thorough": dict(max_examples=2000, stateful_step_count=30, derandomize=False),
}
for _name, _values in PROFILES.items():
    settings.register_profile(_name, **COMMON, **_values)


@contextlib.contextmanager
def seeded_draws_only():
    """While the properties draw, Hypothesis draws from the seed alone. Since 6.131 it also mixes in the literals of
    every "local" module the process has loaded (and stops reading them after 100 ms): which those are differs between
    `conform run` at concurrency 1 and 2, a clone and an installed wheel, a busy machine and an idle one — so one
    --seed drew other examples (probe s23 K F1), and `.hypothesis/constants/` was written wherever conform ran. The
    provider's hook for them (a private function, pinned with hypothesis through uv.lock) answers none meanwhile;
    the vendor's own Hypothesis tests, outside, keep it."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a Hypothesis without providers has no such constants either
        yield
        return
    hook = getattr(providers, "_get_local_constants", None)
    if hook is None or not hasattr(providers, "Constants"):  # older (no such constants) or rewritten: leave it be
        yield
        return
    none = providers.Constants()
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    providers._get_local_constants = lambda: none
    if cache is not None:
        cache.cache.clear()  # what was worked out with the modules' constants is not drawn from
    try:
        yield
    finally:
        providers._get_local_constants = hook
        if cache is not None:
            cache.cache.clear()
# Items per Hypothesis example (conform/harness/properties/runner.batched): in certification runs against a
# system in this process (the reference, or a python plugin with `in_process = True`), one example
# carries a batch of 1 to BATCH items (person-years, for most properties; about 24 on average),
# each drawn by Hypothesis and checked on its own, because Hypothesis's own cost per example (a
# few hundred microseconds) is larger than generating and settling a person-year. A failure's
# counterexample shows only the failing item. Over a network, and in the quick profiles, an
# example is one item: there a batch would not be faster.
BATCH = {"conform": 1, "ci": 1, "thorough": 48}
# Seconds a failed property may spend shrinking (conform/harness/properties/runner.Budget), and all failed
# properties of a session together: bounded so a slow or badly broken system under test cannot
# stall a run (once the pool is spent a failure is reported as first found); generous in
# certification runs.
SHRINK_SECONDS = {"conform": 2.0, "ci": 4.0, "thorough": 120.0}
SHRINK_POOL = {"conform": 20.0, "ci": 40.0, "thorough": 1800.0}
# Counterexamples printed in full at the end of a session; the rest are named (every one is in the reports): a run
# with many failing properties printed ~400 lines of them before its causes (rvendor s11 Q2).
SHOWN_COUNTEREXAMPLES = 3
THOROUGH_BUDGET = "10m"  # --conform-thorough (conform run --thorough) without --conform-budget / --budget
# The commands that run the suite: pytest (this plugin's --conform-* options) and `conform run` (its own --seed,
# --examples, --thorough). A reproduce hint names the options of the one in use: `conform run` refuses
# --conform-seed (rvendor8 D1).
FRONT_ENDS = ("pytest", "run")


def conform_run() -> str:
    """The command a reproduce hint starts with: `uv run conform run` when this run is itself under `uv run` (uv sets
    UV_RUN_RECURSION_DEPTH in its child's environment), where a bare `conform`, pasted outside the project's virtual
    environment, is not found (exit 127); else `conform run`, as installed."""
    return "uv run conform run" if os.environ.get("UV_RUN_RECURSION_DEPTH") else "conform run"


def reproduce(ps: "PropertySettings", seed: object, n: int | None = None, thorough: bool = False, *,
              budget: str | None = None, shrink: float | None = None, selection: tuple[str, ...] = ()) -> str:
    """The options that rerun with `seed` (and `n` examples per property, the thorough profile, a time `budget` as
    given, `shrink` seconds of shrinking, the `selection` of `conform run` options) in the command that ran this
    session. No seed (None: the derandomized ci profile) is said by naming the profile instead."""
    adapter, config = ps.system
    env = f"CONFORM_PROFILE={ps.profile} " if ps.profile == "ci" and not thorough and not _seeded(seed) else ""
    if ps.front_end == "run":
        system = (f" --adapter {shlex.quote(adapter)}" if adapter else "") + \
            (f" --config {shlex.quote(config)}" if config else "")
        return (env + conform_run() + (f" --seed {seed}" if _seeded(seed) else "")
                + (f" --examples {n}" if n is not None else "") + (" --thorough" if thorough else "")
                + (f" --budget {shlex.quote(budget)}" if budget else "")
                + (f" --shrink-seconds {shrink:g}" if shrink is not None else "")
                + "".join(f" --region {shlex.quote(r)}" for r in ps.regions)
                + "".join(f" {shlex.quote(w)}" for w in selection) + system)
    system = (f" --conform-adapter {shlex.quote(adapter)}" if adapter else "") + \
        (f" --conform-config {shlex.quote(config)}" if config else "")
    return (env + (f"--conform-seed {seed}" if _seeded(seed) else "").lstrip()
            + (f" --conform-examples {n}" if n is not None else "")
            + (" --conform-thorough" if thorough else "") + (f" --conform-budget {shlex.quote(budget)}" if budget else "")
            + (f" --conform-shrink-seconds {shrink:g}" if shrink is not None else "")
            + "".join(f" --conform-region {shlex.quote(r)}" for r in ps.regions) + system).strip()


def _seeded(seed: object) -> bool:
    return seed is not None and str(seed) not in ("", "derandomize")


def reproduce_session(ps: "PropertySettings") -> str:
    """The options that rerun this session as it ran: its seed, profile, examples per property, time budget (as
    given), shrinking time and — under `conform run` — its selection (--policy, --article, --tag), which decide how a
    budget is shared and how much of the shrinking pool is left."""
    thorough = ps.profile == "thorough"
    # the ci profile (chosen by CI=true) draws other examples than a local run's default: named, seeded or not
    env = "CONFORM_PROFILE=ci " if ps.profile == "ci" and ps.seed is not None else ""
    return env + reproduce(ps, ps.seed_label if ps.seed is not None else None, ps.max_examples, thorough,
                     budget=ps.budget_text if ps.budget is not None and (ps.budget_text != THOROUGH_BUDGET
                                                                            or not thorough) else None,
                     shrink=ps.shrink, selection=ps.selection)


def budget_caveat(ps: "PropertySettings") -> str:
    """Under a time budget the examples a property gets depend on how fast it ran: the session's options rerun the
    run, not necessarily its examples; each counterexample's own hint (--examples N) reproduces that one."""
    if ps.budget is None:
        return ""
    return ("时间预算下各属性的样例数取决于运行速度，同样的选项未必得到同样的样例；每个反例下方的重现命令（--examples N）可逐一重现 "
            "under a time budget the examples depend on speed: each counterexample's own command (--examples N) "
            "reproduces it")


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([hms]?)", re.IGNORECASE)
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "": 1.0}


def parse_duration(text: str) -> float:
    """Seconds in a duration such as 90, 90s, 10m, 1.5h or 1h30m (a bare number is seconds)."""
    raw = str(text).strip()
    parts = list(_DURATION_PART.finditer(raw))
    if not raw or not parts or "".join(p.group(0) for p in parts).replace(" ", "") != raw.replace(" ", "") \
            or (len(parts) > 1 and any(not p.group(2) for p in parts)):
        raise ValueError(f"{text!r} is not a duration: expected a number with s, m or h, e.g. 90s, 10m, 1h30m")
    seconds = sum(float(p.group(1)) * _UNIT_SECONDS[p.group(2).lower()] for p in parts)
    if seconds <= 0:
        raise ValueError(f"{text!r}: a time budget must be more than 0 seconds")
    return seconds


def format_duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    m, s = divmod(int(round(seconds)), 60)
    return f"{m // 60}h{m % 60:02d}m{s:02d}s" if m >= 60 else f"{m}m{s:02d}s"


@dataclass
class PropertySettings:
    """The profile and seed this session's properties run with, and what they ran."""

    profile: str
    seed: int | None
    max_examples: int | None = None
    shrink: float | None = None
    examples: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)   # the items the examples carried (BATCH)
    shrink_spent: float = 0.0
    budget: float | None = None           # seconds for all properties together (None: fixed counts)
    planned: int = 0                      # properties collected in this session
    done: int = 0                         # properties finished (passed, failed, skipped alike)
    budget_start: float | None = None     # when the session began (else: when the first property did)
    front_end: str = "pytest"             # FRONT_ENDS: whose options a reproduce hint names
    regions: tuple[str, ...] = ()         # --region / --conform-region as given: a reproduce hint repeats them
    # the system under test as the session named it (adapter, config file): a reproduce hint that leaves them out
    # reruns against the built-in reference and comes out 合格 (rvendor D4); the URL as shown (no credentials)
    system: tuple[str | None, str | None] = (None, None)
    budget_text: str | None = None        # the time budget as given (`--budget 90s`): a reproduce hint repeats it
    selection: tuple[str, ...] = ()       # `conform run`'s --policy/--article/--tag as given (--conform-select)
    clock: Callable[[], float] = time.monotonic

    def budget_left(self) -> float | None:
        """Seconds of the budget not yet spent (None without a budget)."""
        if self.budget is None:
            return None
        if self.budget_start is None:
            return self.budget
        return self.budget - (self.clock() - self.budget_start)

    def begin_property(self) -> float | None:
        """This property's deadline on `clock`: an equal share of what is left of the budget among
        the properties not yet run (None without a budget)."""
        if self.budget is None:
            return None
        now = self.clock()
        if self.budget_start is None:
            self.budget_start = now
        left = max(0.0, self.budget_left() or 0.0)
        return now + left / max(1, self.planned - self.done)

    def end_property(self) -> None:
        self.done += 1

    @property
    def hypothesis(self) -> settings:
        base = settings.get_profile(self.profile)
        return settings(base, max_examples=self.max_examples) if self.max_examples else base

    @property
    def batch(self) -> int:
        """Most items one Hypothesis example carries (BATCH)."""
        return BATCH.get(self.profile, 1)

    @property
    def shrink_seconds(self) -> float:
        """This property's shrinking time: its own allowance, within what is left of the session's pool."""
        if self.shrink is not None:
            return self.shrink
        left = SHRINK_POOL.get(self.profile, 20.0) - self.shrink_spent
        allowance = max(0.0, min(SHRINK_SECONDS.get(self.profile, 2.0), left))
        budget_left = self.budget_left()
        if budget_left is not None:  # shrinking is spent from the budget too, but always gets a moment
            allowance = min(allowance, max(SHRINK_SECONDS["conform"], budget_left))
        return allowance

    @property
    def seed_label(self) -> str:
        return str(self.seed) if self.seed is not None else "derandomize"


KEY = pytest.StashKey[PropertySettings]()
UNPLANNED = pytest.StashKey[bool]()  # a property test left out of the budget's shares (it will skip)


def choose_profile(thorough: bool = False, environ: dict | None = None) -> str:
    env = os.environ if environ is None else environ
    if thorough:
        return "thorough"
    name = env.get("CONFORM_PROFILE", "").strip()
    if name:
        if name not in PROFILES:
            raise pytest.UsageError(f"CONFORM_PROFILE={name!r}: unknown profile; known: {', '.join(PROFILES)}")
        return name
    if env.get("CI", "").strip().lower() in ("1", "true", "yes"):
        return "ci"
    return "conform"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Every option conform-prefixed, with a conform_* dest: this plugin is loaded into a vendor's pytest session,
    whose own conftest may define --thorough (argparse ended the session on the clash: "option dest 'thorough'
    already used"). `conform run` passes its --thorough, --seed … as these."""
    g = parser.getgroup("conform", "conformance harness")
    g.addoption("--conform-thorough", dest="conform_thorough", action="store_true", default=False,
                help=f"certification run: as many examples per property as the time budget allows ({THOROUGH_BUDGET} "
                     "by default, --conform-budget; Hypothesis profile 'thorough'; `conform run --thorough`)")
    g.addoption("--conform-seed", default=None, metavar="N",
                help="seed for the properties' examples (reproduces a run; `conform run --seed`); default: a random "
                     "seed, or under CI=true (the ci profile) none: the same derandomized examples every run")
    g.addoption("--conform-examples", type=int, default=None, metavar="N",
                help="exactly N examples per property, no time budget (overriding the profile's: 20, 30 under "
                     "CI=true, as many as the budget allows with --conform-thorough; `conform run --examples`)")
    g.addoption("--conform-shrink-seconds", type=float, default=None, metavar="SECONDS",
                help="seconds a failed property may spend shrinking its counterexample (default 2, 4 under CI=true, "
                     "120 with --conform-thorough, out of a pool the session's failed properties share: 20 s, 40 s, "
                     "1800 s, so a later one may get less; given, each gets SECONDS)")
    g.addoption("--conform-budget", default=None, metavar="DURATION",
                help=f"time the run may take, e.g. 90s, 10m, 1h: after the scenarios each property gets an equal "
                     f"share of what is left and as many examples as fit (default with --conform-thorough: "
                     f"{THOROUGH_BUDGET})")
    g.addoption("--conform-region", action="append", default=None, metavar="REGION",
                help="draw the properties of the region's document under this region file (a name or a path) alone: "
                     "a real 统筹区's published figures (repeatable; `conform run --region`)")
    g.addoption("--conform-select", action="append", default=None, metavar="OPTION",
                help="`conform run` passes its --policy, --article and --tag here, word by word, for the reproduce "
                     "hints to repeat (they select nothing themselves)")
    g.addoption("--conform-front-end", choices=FRONT_ENDS, default="pytest",
                help="the command running the suite (`conform run` passes run): its options are the ones a "
                     "reproduce hint names")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    profile = choose_profile(bool(config.getoption("--conform-thorough", False)))
    raw = config.getoption("--conform-seed", None)
    if raw is None:
        try:
            raw = config.getoption("hypothesis_seed")
        except ValueError:
            raw = None
    if raw is not None:
        try:
            seed: int | None = int(str(raw))
        except ValueError:
            raise pytest.UsageError(f"--conform-seed {raw!r}: expected an integer") from None
    elif PROFILES[profile].get("derandomize"):
        seed = None
    else:
        seed = random.SystemRandom().getrandbits(32)
    n = config.getoption("--conform-examples", None)
    if n is not None and n < 1:
        raise pytest.UsageError(f"--conform-examples {n}: must be at least 1")
    shrink = config.getoption("--conform-shrink-seconds", None)
    if shrink is not None and shrink < 0:
        raise pytest.UsageError(f"--conform-shrink-seconds {shrink}: must not be negative")
    raw_budget = config.getoption("--conform-budget", None)
    if raw_budget is not None and n is not None:
        raise pytest.UsageError("--conform-budget and --conform-examples: choose one (a time budget, or a fixed "
                                "number of examples per property)")
    if raw_budget is None and profile == "thorough" and n is None:
        raw_budget = THOROUGH_BUDGET
    try:
        budget = parse_duration(raw_budget) if raw_budget is not None else None
    except ValueError as e:
        raise pytest.UsageError(f"--conform-budget {e}") from None
    regions = config.getoption("--conform-region", None)
    from ..generators import choose_regions, chosen_regions

    if regions or chosen_regions():  # an earlier run in this process chose regions: this one draws as it asks
        from conform.reference.policy import PolicyError

        try:  # `conform run` and the vendors' plugin (pytest_plugin._refused) refused a bad file already, exit 2
            choose_regions(tuple(regions or ()))
        except PolicyError as e:
            raise pytest.UsageError(f"--conform-region: {e}") from None
    front_end = str(config.getoption("--conform-front-end", "pytest") or "pytest")
    # `conform run` refused these already (run._check_regions), the vendors' plugin too (pytest_plugin._refused)
    if front_end == "pytest":
        from ..generators import broken_regions

        broken = broken_regions(tuple(chosen_regions()))
        if broken:
            raise pytest.UsageError("region configuration not usable — fix it, or move it out of the regions folder "
                                    "（地区配置无效，请改正或移出地区配置目录）:\n  " + "\n  ".join(broken))
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and raw is None and workerinput.get("conform_seed") is not None:
        seed = workerinput["conform_seed"]  # every xdist worker uses the seed the controller drew and printed
    ps = PropertySettings(profile, seed, n, shrink, budget=budget, budget_text=raw_budget,
                          selection=tuple(config.getoption("--conform-select", None) or ()),
                          front_end=front_end,
                          regions=tuple(regions or ()), system=_system(config))
    if budget:
        ps.budget_start = ps.clock()  # the whole run's budget: scenarios first, properties share the rest
    config.stash[KEY] = ps
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_SeedToWorkers(), "conform-seed-to-workers")
    collector = getattr(config, "conform_collector", None)
    if collector is not None:
        run = collector.run
        run.seed = ps.seed_label
        run.examples = {"profile": profile, "max_examples": None if budget else ps.hypothesis.max_examples,
                        "stateful_step_count": ps.hypothesis.stateful_step_count, "total": 0,
                        # the command that ran: the report's seed line names its option (certify.seed_words)
                        "front_end": front_end}
        if budget:
            run.examples["budget_seconds"] = budget
        # the options that rerun this session as it ran (reproduce_session): the report's seed line and each failed
        # property's hint (report/model.counterexample_status) repeat them, not a bare --seed
        run.examples["reproduce"] = reproduce_session(ps)


def _system(config: pytest.Config) -> tuple[str | None, str | None]:
    """The adapter and adapter config this session settles with, as a reproduce hint may show them: the built-in
    reference by default is named by nothing; an http(s) URL without user:password or credential-like query values."""
    adapter = config.getoption("conform_adapter", None)
    if adapter in (None, "", "reference"):
        adapter = None
    elif str(adapter).lower().startswith(("http://", "https://")):
        from ..adapters.http import public_url

        adapter = public_url(str(adapter))
    cfg = config.getoption("conform_config", None)
    return (str(adapter) if adapter else None), (str(cfg) if cfg else None)


class _SeedToWorkers:
    """Registered where pytest-xdist is: hands the workers this session's seed."""

    def pytest_configure_node(self, node) -> None:
        ps = node.config.stash.get(KEY, None)
        if ps is not None:
            node.workerinput["conform_seed"] = ps.seed


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    ps = config.stash.get(KEY, None)
    if ps is None:
        return
    # The budget is shared out among the properties selected that will run: against the reference
    # itself the differential ones skip at once, and a share reckoned for them would go unused.
    on_reference = config.getoption("--conform-adapter", None) in (None, "reference") and \
        config.getoption("--conform-config", None) is None
    differential: set[str] = set()
    if on_reference:
        from . import load

        differential = {pid for pid, prop in load().items() if prop.differential}
    planned = 0
    for item in items:
        mark = item.get_closest_marker("conform_property")
        if mark is None:
            continue
        if mark.args and mark.args[0] in differential:
            item.stash[UNPLANNED] = True
        else:
            planned += 1
    workers = getattr(config, "workerinput", {}).get("workercount", 1) or 1
    ps.planned = -(-planned // workers)  # an xdist worker runs about its equal part of them


def announce(config: pytest.Config, text: str) -> None:
    """A progress line on the terminal while a property runs, past pytest's capture and `conform run`'s
    redirection (on a terminal it first clears the progress bar's line, which redraws below)."""
    capman = config.pluginmanager.getplugin("capturemanager")
    stream = sys.__stderr__
    if stream is None:
        return
    with capman.global_and_fixture_disabled() if capman is not None else contextlib.nullcontext():
        try:
            prefix = "\r\x1b[2K" if stream.isatty() else ""
            stream.write(prefix + text + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass


def property_settings(config: pytest.Config) -> PropertySettings:
    ps = config.stash.get(KEY, None)
    if ps is None:  # plugin not configured (a bare call): the quick profile, derandomized-free
        ps = config.stash[KEY] = PropertySettings(choose_profile(), random.SystemRandom().getrandbits(32))
    return ps


def pytest_report_header(config: pytest.Config) -> str | None:
    ps = config.stash.get(KEY, None)
    if ps is None:
        return None
    return f"conform properties: profile {ps.profile}, seed {ps.seed_label} (reproduce with {_session_line(ps)})"


def _session_line(ps: "PropertySettings") -> str:
    """reproduce_session as a command line: in a pytest session `CONFORM_PROFILE=ci pytest …`, the profile's assignment
    before pytest, not among its arguments, where pytest reads it as a test path (probe s29 R2 F5)."""
    line = reproduce_session(ps)
    if ps.front_end == "run":
        return line
    from ..report.model import pytest_command

    return pytest_command(line)


# The report's attribute carrying a shrunk counterexample: an attribute of its own (pytest-xdist sends a report's
# attributes to its controller), not one of pytest's user_properties, which `pytest --junitxml` writes as
# <properties> inside <testcase> — invalid under the JUnit 10 schema strict consumers enforce (s27 probeU F1).
COUNTEREXAMPLE = "conform_counterexample"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    # A shrunk counterexample also travels on the report, so a pytest-xdist controller (which has no
    # checks of its own) can print it too.
    outcome = yield
    if call.excinfo is not None and getattr(call.excinfo.value, "counterexample", ""):
        setattr(outcome.get_result(), COUNTEREXAMPLE, call.excinfo.value.counterexample)


@dataclass
class _Failed:
    name: str
    nodeid: str
    counterexample: str
    message: str = ""
    extra: dict = field(default_factory=dict)
    policy: str = ""


def _failed_properties(terminalreporter, config: pytest.Config) -> list:
    collector = getattr(config, "conform_collector", None)
    failed = [c for c in (collector.run.checks if collector else []) if c.kind == "property" and c.counterexample]
    if failed:
        return failed
    out = []
    for rep in terminalreporter.stats.get("failed", []):
        value = getattr(rep, COUNTEREXAMPLE, "")
        if value:
            out.append(_Failed(rep.nodeid.rsplit("::", 1)[-1], rep.nodeid, value))
    return out


def _policy_of(c) -> str:
    """The check's document: its own, else the [policy] of its node id (test_deductible[panzhihua])."""
    policy = getattr(c, "policy", "") or ""
    if not policy:
        m = re.search(r"\[([a-z]+)\]$", getattr(c, "nodeid", "") or "")
        policy = m.group(1) if m else ""
    return policy


def counterexample_lines(c, ps: "PropertySettings | None") -> list[str]:
    """What a printed counterexample is (shrunk to a minimum, not fully shrunk — and how to get a smaller one —, or a
    fixed explicit example) and the command that reproduces it, as comment lines above its Gherkin. Under a time
    budget the runner's own hint for the property (its round's seed and examples); else the session's options, with
    `conform run` narrowed to the property's document (it has no option selecting one property: said so)."""
    from ..report.model import counterexample_status

    st = counterexample_status(c.counterexample, getattr(c, "extra", None) or {}, getattr(c, "message", "") or "",
                               c.nodeid, ps.front_end if ps else "run", reproduce_session(ps) if ps else "",
                               _policy_of(c))
    if not st:
        return []
    # the advice in full is the Gherkin's own first lines (counterexample.KIND_HEADER), in Chinese
    lines = [f"# 反例 counterexample: {st['label']}"]
    if st.get("reproduce"):
        lines.append(f"# 重现 reproduce: {st['reproduce']}" + (f"（{st['reruns']}）" if st.get("reruns") else ""))
    if st.get("smaller"):
        lines.append(f"# 更小的反例 for a smaller one: {st['smaller']}")
    return lines


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Print every failed property's counterexample as Gherkin, ready to paste into features/, each with what it is
    (shrunk or not, or a fixed example) and the command that reproduces it."""
    failed = _failed_properties(terminalreporter, config)
    if not failed:
        return
    ps = config.stash.get(KEY, None)
    head = (f"属性反例 Property counterexamples (seed {ps.seed_label if ps else '?'}; "
            f"reproduce with {_session_line(ps) if ps else 'pytest --conform-seed ?'})")
    text = [head]
    if ps is not None and budget_caveat(ps):
        text.append(f"（{budget_caveat(ps)}）")
    for c in failed[:SHOWN_COUNTEREXAMPLES]:
        text += ["", f"# {c.name}  ({c.nodeid})", *counterexample_lines(c, ps), c.counterexample]
    if len(failed) > SHOWN_COUNTEREXAMPLES:
        rest = failed[SHOWN_COUNTEREXAMPLES:]
        text += ["", f"# 另有 {len(rest)} 个反例见报告 {len(rest)} more in the reports (report.html, results.json): "
                     + "、".join(c.name for c in rest[:20]) + (" …" if len(rest) > 20 else "")]
    # The Gherkin quotes the system's answers (an err_msg): each line is shown as every console line is
    # (conform.display.one_line), so an ESC sequence, a bell or a bidi override never reaches the terminal raw
    # nor a feature file it is pasted into; Chinese and the Gherkin's own line breaks stay as they are.
    from ..evidence import mask
    from conform.display import one_line

    out = "\n".join(one_line(mask(line)) for block in text for line in block.split("\n"))
    terminalreporter.write_sep("=", "属性反例 counterexamples")
    terminalreporter.write_line(out)
    # `conform run` hands pytest a captured stdout; the counterexample still belongs on the terminal.
    if isinstance(getattr(terminalreporter._tw, "_file", None), io.StringIO):
        sys.stderr.write(out + "\n")
