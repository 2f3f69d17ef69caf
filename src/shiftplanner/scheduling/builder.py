"""The CP-SAT model and its variables, with one way for every rule to state itself.

Rules say what must hold (`at_most`, `at_least`, `clause`) and what costs (`cost`); the
builder decides how. Built strictly, a hard rule is a constraint. Built relaxed (to
explain an infeasible problem), every hard rule gets a violation variable instead, the
objective becomes the total violation, and each violation remembers which rule, analyst
and days it stands for."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from ortools.sat.python import cp_model

from shiftplanner.scheduling.horizon import Horizon
from shiftplanner.scheduling.solution import Term

# What rules build: sums of variables and integers (OR-Tools' own alias admits numpy types).
LinearExpr = cp_model.LinearExpr | int
Literal = cp_model.IntVar | cp_model.NotBooleanVariable


@dataclass(frozen=True)
class RuleRef:
    """Which rule instance a constraint stands for, to name it when it must be broken."""

    rule: str
    message: str
    analyst_id: int | None = None
    shift_type_id: int | None = None
    dates: tuple[date, ...] = ()


@dataclass
class Slack:
    ref: RuleRef
    var: cp_model.IntVar


@dataclass
class ModelBuilder:
    horizon: Horizon
    relaxed: bool = False
    # The textbook encoding only (one constraint per banned pair, no redundant cuts): the
    # baseline the benchmark compares against.
    plain: bool = False
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    # x[a][d][s]: analyst a works shift type s on day d.
    x: list[list[list[cp_model.IntVar]]] = field(default_factory=list)
    # work[a][d]: analyst a works some shift on day d.
    work: list[list[cp_model.IntVar]] = field(default_factory=list)
    # screener[a][d][s]: screener duty on that shift; only for analysts with the skill.
    screener: dict[int, list[list[cp_model.IntVar]]] = field(default_factory=dict)
    # skill_duty[(a, d, s)][skill]: analyst a's shift s on day d covers that skill; made
    # where a coverage entry needs the skill and for the analysts who have it.
    skill_duty: dict[tuple[int, int, int], dict[str, cp_model.IntVar]] = field(default_factory=dict)
    # worked[a][w]: analyst a works weekend w (made on first use).
    worked_weekends: dict[int, list[cp_model.IntVar]] = field(default_factory=dict)
    costs: dict[Term, list[tuple[LinearExpr, int]]] = field(default_factory=dict)
    slacks: list[Slack] = field(default_factory=list)

    def __post_init__(self) -> None:
        h = self.horizon
        m = self.model
        for a, analyst in enumerate(h.analysts):
            shifts_by_day = [
                [m.new_bool_var(f"x_{analyst.id}_{d}_{s.id}") for s in h.shifts]
                for d in range(h.size)
            ]
            self.x.append(shifts_by_day)
            self.work.append([m.new_bool_var(f"work_{analyst.id}_{d}") for d in range(h.size)])
            if h.is_screener(analyst):
                self.screener[a] = [
                    [m.new_bool_var(f"scr_{analyst.id}_{d}_{s.id}") for s in h.shifts]
                    for d in range(h.size)
                ]
        for need in h.problem.coverage:
            d, s = h.index.get(need.date), h.shift_index[need.shift_type_id]
            if d is None:
                continue
            for skill in (cover.skill for cover in need.skills):
                for a, analyst in enumerate(h.analysts):
                    if skill in analyst.skills:
                        self.skill_duty.setdefault((a, d, s), {})[skill] = m.new_bool_var(
                            f"skill_{analyst.id}_{d}_{need.shift_type_id}_{skill}"
                        )

    # What a day looks like for one analyst.

    def screener_day(self, a: int, d: int) -> LinearExpr:
        return sum(self.screener[a][d]) if a in self.screener else 0

    # Hard rules.

    def at_most(
        self, expr: LinearExpr, bound: int, ref: RuleRef, *, slack_bound: int = 10_000
    ) -> None:
        if self.relaxed:
            slack = self.model.new_int_var(0, slack_bound, f"slack_{len(self.slacks)}")
            self.model.add(expr <= bound + slack)
            self.slacks.append(Slack(ref, slack))
        else:
            self.model.add(expr <= bound)

    def at_least(
        self, expr: LinearExpr, bound: int, ref: RuleRef, *, slack_bound: int = 10_000
    ) -> None:
        if self.relaxed:
            slack = self.model.new_int_var(0, slack_bound, f"slack_{len(self.slacks)}")
            self.model.add(expr + slack >= bound)
            self.slacks.append(Slack(ref, slack))
        else:
            self.model.add(expr >= bound)

    # Limits that are hard, or soft where a weight is given (`Weights`' limit weights).

    def most(
        self, expr: LinearExpr, bound: int, ref: RuleRef, soft: tuple[Term, int] | None, upper: int
    ) -> None:
        """`expr` at most `bound`: hard, or each unit beyond costs (`soft`: term, weight)."""
        if soft is None:
            self.at_most(expr, bound, ref)
            return
        over = self.model.new_int_var(0, upper, f"{ref.rule}_{ref.analyst_id}_over")
        self.model.add(over >= expr - bound)
        self.cost(soft[0], over, soft[1])

    def least(
        self, expr: LinearExpr, bound: int, ref: RuleRef, soft: tuple[Term, int] | None
    ) -> None:
        """`expr` at least `bound`: hard, or each unit short costs (`soft`: term, weight)."""
        if soft is None:
            self.at_least(expr, bound, ref)
            return
        short = self.model.new_int_var(0, bound, f"{ref.rule}_{ref.analyst_id}_short")
        self.model.add(short >= bound - expr)
        self.cost(soft[0], short, soft[1])

    def clause(
        self, literals: Sequence[cp_model.IntVar | cp_model.NotBooleanVariable], ref: RuleRef
    ) -> None:
        """At least one of the literals holds."""
        if self.relaxed:
            broken = self.model.new_bool_var(f"broken_{len(self.slacks)}")
            self.model.add_bool_or([*literals, broken])
            self.slacks.append(Slack(ref, broken))
        elif literals:
            self.model.add_bool_or(literals)
        else:
            self.model.add_bool_or([self.model.new_constant(0)])  # an empty clause: infeasible

    # Soft rules.

    def cost(self, term: Term, expr: LinearExpr, weight: int) -> None:
        self.costs.setdefault(term, []).append((expr, weight))

    def objective(self, only: Collection[Term] | None = None) -> LinearExpr:
        """The total cost, or the cost of the terms in `only`."""
        if self.relaxed:
            return sum(slack.var for slack in self.slacks)
        return sum(
            weight * expr
            for term, terms in self.costs.items()
            if only is None or term in only
            for expr, weight in terms
            if weight
        )

    def new_count(self, name: str, parts: Iterable[LinearExpr], upper: int) -> cp_model.IntVar:
        count = self.model.new_int_var(0, upper, name)
        self.model.add(count == sum(parts))
        return count
