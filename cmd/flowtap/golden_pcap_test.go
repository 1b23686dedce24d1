package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/flowtap/flowtap/userspace/testenv"
)

// tcpDirection returns the flow-direction key of a TCP packet and its raw
// window, or ok=false for anything else. The key follows t2-semantics.md
// section 1: innermost IPs, ports, protocol and the innermost VLAN ID. A TCP
// header gopacket cannot decode (cut by the snap length) has no window to
// compare, so it cannot raise an alarm.
func tcpDirection(data []byte, link layers.LinkType) (key string, window uint16, ok bool) {
	p := gopacket.NewPacket(data, link, gopacket.DecodeOptions{Lazy: false, NoCopy: true})
	var vlan uint16
	var src, dst string
	for _, l := range p.Layers() {
		switch l := l.(type) {
		case *layers.Dot1Q:
			vlan = l.VLANIdentifier
		case *layers.IPv4:
			src, dst = l.SrcIP.String(), l.DstIP.String()
		case *layers.IPv6:
			src, dst = l.SrcIP.String(), l.DstIP.String()
		case *layers.TCP:
			if src == "" {
				return "", 0, false
			}
			return fmt.Sprintf("%d|%s|%s|%d|%d", vlan, src, dst, l.SrcPort, l.DstPort), l.Window, true
		}
	}
	return "", 0, false
}

// expectedNoOpp computes, independently of flowtap, what pcapd writes with
// PD_OPP=0 and PD_EQ=1 (t2-semantics.md section 7.5): every packet of a
// direction from its first packet with raw window < 1 on, that packet
// included (tcpWin sets FL_ALARM before pcapd sees it). TCPWIN_MINPKTS plays
// no part: FL_ALARM is set per packet (section 7.4).
func expectedNoOpp(in testenv.Capture) []testenv.Frame {
	alarmed := make(map[string]bool)
	var want []testenv.Frame
	for _, r := range in.Frames {
		key, win, ok := tcpDirection(r.Data, in.Link)
		if !ok {
			continue
		}
		if win < 1 {
			alarmed[key] = true
		}
		if alarmed[key] {
			want = append(want, r)
		}
	}
	return want
}

// externalPacketCount reads path with tcpdump and tshark (those installed)
// and checks both accept it and count want packets.
func externalPacketCount(t *testing.T, path string, want int) {
	t.Helper()
	tools := []struct {
		name string
		args []string
	}{
		{"tcpdump", []string{"-n", "-q", "-r", path}},
		{"tshark", []string{"-n", "-r", path, "-T", "fields", "-e", "frame.number"}},
	}
	found := 0
	for _, tool := range tools {
		bin, err := exec.LookPath(tool.name)
		if err != nil {
			continue
		}
		found++
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, tool.args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("%s cannot read %s: %v\n%s", tool.name, path, err, stderr.String())
			continue
		}
		if got := len(testenv.SplitLines(stdout.String())); got != want {
			t.Errorf("%s reads %d packets from %s, want %d", tool.name, got, path, want)
		}
	}
	if found == 0 {
		testenv.Unavailable(t, "neither tcpdump nor tshark is installed")
	}
}

// comparePcapd checks the pcapd output against the input header and the
// expected records, record by record.
func comparePcapd(t *testing.T, in, got testenv.Capture, want []testenv.Frame) {
	t.Helper()
	if got.Link != in.Link {
		t.Errorf("link type %v, want the input's %v", got.Link, in.Link)
	}
	if in.Snaplen != 0 && got.Snaplen != in.Snaplen {
		t.Errorf("snap length %d, want the input's %d", got.Snaplen, in.Snaplen)
	}
	if !got.Nano {
		t.Error("timestamps are not nanosecond resolution")
	}
	if len(got.Frames) != len(want) {
		t.Errorf("%d records, want %d", len(got.Frames), len(want))
	}
	for i := range min(len(got.Frames), len(want)) {
		g, w := got.Frames[i], want[i]
		switch {
		case !g.Info.Timestamp.Equal(w.Info.Timestamp):
			t.Errorf("record %d: time %v, want %v", i+1, g.Info.Timestamp, w.Info.Timestamp)
		case g.Info.CaptureLength != w.Info.CaptureLength || g.Info.Length != w.Info.Length:
			t.Errorf("record %d (%v): lengths %d/%d, want %d/%d", i+1, w.Info.Timestamp,
				g.Info.CaptureLength, g.Info.Length, w.Info.CaptureLength, w.Info.Length)
		case !bytes.Equal(g.Data, w.Data):
			t.Errorf("record %d (%v): bytes differ from the input record", i+1, w.Info.Timestamp)
		}
	}
}

// firstByteDiff describes where two files first differ, for a failure
// message: the offset, and the record index for pcap files (24-byte header,
// 16-byte record headers).
func firstByteDiff(a, b []byte) string {
	n := min(len(a), len(b))
	off := n
	for i := range n {
		if a[i] != b[i] {
			off = i
			break
		}
	}
	if off < 24 {
		return fmt.Sprintf("offset %d (file header)", off)
	}
	pos, rec := 24, 0
	for pos+16 <= len(a) {
		incl := int(a[pos+8]) | int(a[pos+9])<<8 | int(a[pos+10])<<16 | int(a[pos+11])<<24
		if a[0] == 0xa1 || a[0] == 0xa2 { // big-endian magic
			incl = int(a[pos+8])<<24 | int(a[pos+9])<<16 | int(a[pos+10])<<8 | int(a[pos+11])
		}
		if off < pos+16+incl {
			break
		}
		pos += 16 + incl
		rec++
	}
	return fmt.Sprintf("offset %d (record %d, %d bytes into it)", off, rec+1, off-pos)
}
