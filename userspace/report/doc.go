// Package report writes flowtap's end report line for line as T2 0.9.3
// prints it (t2-semantics.md section 8), and exports T2's number formats
// (ShortNum, ShortRate, Pct, FormatFloat) for other writers.
//
// It owns the report layout, its omission rules and every derived figure
// (percentages, ratios, rates, asymmetries); the engine hands it raw counters
// in a Summary. Project decision: the banner names flowtap ("flowtap
// <version>") where T2 prints "Tranalyzer 0.9.3 (Anteater), Cobra. PID: …";
// every other line keeps T2's structure. It must not count packets, decode
// flowStat bits or write colour codes.
package report
