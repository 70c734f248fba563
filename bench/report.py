"""The bench's table: each route's constant baseline, raw floor and real route, with the real
route's rate as a share of the other two against its targets (printed, not asserted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.wrk import WrkResult

KINDS = ("constant", "raw", "real")


@dataclass(frozen=True)
class Measurement:
    kind: str  # constant, raw or real
    result: WrkResult
    peak_rss_mb: float | None
    body_bytes: int  # the mean size of the response bodies probed before the run


@dataclass(frozen=True)
class RouteReport:
    name: str
    constant: Measurement
    raw: Measurement
    real: Measurement
    raw_target: float  # the real route's rate must be at least this share of the raw floor's
    constant_target: float | None  # and of the constant baseline's (read-heavy public routes)

    def measurements(self) -> tuple[Measurement, Measurement, Measurement]:
        return self.constant, self.raw, self.real

    @property
    def raw_share(self) -> float:
        return _share(self.real, self.raw)

    @property
    def constant_share(self) -> float:
        return _share(self.real, self.constant)

    @property
    def errors(self) -> int:
        return sum(m.result.errors for m in self.measurements())

    @property
    def passed(self) -> bool:
        ok = self.raw_share >= self.raw_target
        if self.constant_target is not None:
            ok = ok and self.constant_share >= self.constant_target
        return ok and self.errors == 0


def _share(real: Measurement, floor: Measurement) -> float:
    return real.result.rate / floor.result.rate if floor.result.rate else 0.0


def _verdict(share: float, target: float | None) -> str:
    if target is None:
        return f"{share:5.2f}"
    return f"{share:5.2f} ≥{target:.2f} {'pass' if share >= target else 'FAIL'}"


HEADER = (
    f"{'route':<18}{'kind':<10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'peak RSS':>11}"
    f"{'body B':>10}{'errors':>8}  {'real/raw':<17}{'real/constant':<17}"
)


def table(title: str, reports: Sequence[RouteReport]) -> str:
    lines = [title, HEADER, "-" * len(HEADER)]
    for report in reports:
        for measurement in report.measurements():
            result = measurement.result
            rss = "-" if measurement.peak_rss_mb is None else f"{measurement.peak_rss_mb:.0f} MB"
            line = (
                f"{report.name if measurement.kind == 'constant' else '':<18}"
                f"{measurement.kind:<10}{result.rate:>9.1f}{result.p50_ms:>9.1f}"
                f"{result.p99_ms:>9.1f}{rss:>11}{measurement.body_bytes:>10}{result.errors:>8}"
            )
            if measurement.kind == "real":
                line += (
                    f"  {_verdict(report.raw_share, report.raw_target):<17}"
                    f"{_verdict(report.constant_share, report.constant_target):<17}"
                )
            lines.append(line.rstrip())
        for measurement in report.measurements():
            if measurement.result.errors:
                lines.append(
                    f"{'':<18}! {measurement.kind} errors: {measurement.result.describe_errors()}"
                )
    passed = sum(report.passed for report in reports)
    lines.append(f"targets met: {passed} of {len(reports)} routes")
    return "\n".join(lines)


TARGETS = """\
Targets (reported, not asserted): each real route at least 1/1.5 of its raw floor's rate
(attach: 1/2 of a raw loopback copy), and the read-heavy public routes (embed, list jobs,
jobs/all, retrieve job) at least 1/2 of the constant baseline's rate. A run with errors fails."""
