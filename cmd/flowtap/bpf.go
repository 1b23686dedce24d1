package main

import (
	"github.com/flowtap/flowtap/userspace/bpfengine"
	"github.com/flowtap/flowtap/userspace/capture"
	"github.com/flowtap/flowtap/userspace/report"
)

// bpfNeeds is the message when --engine bpf cannot load its program.
const bpfNeeds = "--engine bpf needs root or CAP_BPF+CAP_NET_ADMIN+CAP_PERFMON (kernel >= 5.15)"

// openStage loads the XDP program for the offline replay of rd.
func openStage(cfg *Config, rd *capture.Reader) (*bpfengine.Stage, error) {
	ec := engineConfig(cfg)
	return bpfengine.New(bpfengine.Options{Datapath: ec.Datapath, Capacity: ec.Capacity, LinkType: rd.LinkType()})
}

// stageReport appends the bpf engine's lines to the end report and
// returns its first kernel-side error; it does nothing for --engine go.
func stageReport(stage *bpfengine.Stage, sum *report.Summary) error {
	if stage == nil {
		return nil
	}
	sum.Warnings = append(sum.Warnings, stage.ReportLines()...)
	err := stage.Err()
	if err != nil {
		sum.Warnings = append(sum.Warnings, "[ERR] "+err.Error())
	}
	return err
}
