package capture

import (
	"fmt"
	"strconv"
	"strings"
)

// LINKTYPE_ values this package treats specially.
const (
	linkTypeRaw     = 101
	linkTypeDBus    = 231
	linkTypeUSBPcap = 249
	linkTypeEBHSCR  = 279
)

// foldLinkType maps DLT_RAW's platform-dependent values 12 and 14, which
// some writers put into files, to LINKTYPE_RAW, as tshark does; libpcap on
// Linux reads 12 as its own DLT_RAW.
func foldLinkType(lt uint32) uint32 {
	if lt == 12 || lt == 14 {
		return linkTypeRaw
	}
	return lt
}

// maxCapLen is libpcap's largest sane caplen for a link type
// (max_snaplen_for_dlt): larger record lengths mean a damaged file.
func maxCapLen(lt uint32) uint32 {
	switch lt {
	case linkTypeDBus:
		return 128 * 1024 * 1024
	case linkTypeEBHSCR:
		return 8 * 1024 * 1024
	case linkTypeUSBPcap:
		return 1024 * 1024
	}
	return 262144
}

// adjustSnaplen treats a snaplen of 0 or above the link type's maximum as
// that maximum, as libpcap does when it opens a file (pcap_adjust_snapshot).
func adjustSnaplen(snaplen, lt uint32) uint32 {
	if m := maxCapLen(lt); snaplen == 0 || snaplen > m {
		return m
	}
	return snaplen
}

// linkTypeToDLT maps the LINKTYPE_ values that differ from Linux's DLT_
// values (libpcap's linktype_to_dlt); the rest are the same number.
func linkTypeToDLT(lt uint32) uint32 {
	switch lt {
	case 100: // LINKTYPE_ATM_RFC1483
		return 11
	case linkTypeRaw:
		return 12
	case 102: // LINKTYPE_SLIP_BSDOS
		return 15
	case 103: // LINKTYPE_PPP_BSDOS
		return 16
	case 106: // LINKTYPE_ATM_CLIP
		return 19
	}
	return lt
}

// LinkTypeName returns T2's end-report text for a LINKTYPE_ value, e.g.
// "Ethernet [EN10MB/1]" or, for LINKTYPE_RAW (101), "Raw IP [RAW/12]": the
// libpcap description, the libpcap name and the DLT number on Linux. For a
// value libpcap has no name for, T2's printf of two NULL strings gives
// glibc's "(null) [(null)/N]", which is reproduced.
func LinkTypeName(lt uint32) string {
	dlt := linkTypeToDLT(foldLinkType(lt))
	key := strconv.FormatUint(uint64(dlt), 10) + "\t"
	for line := range strings.Lines(dltNames) {
		rest, ok := strings.CutPrefix(line, key)
		if !ok {
			continue
		}
		name, descr, _ := strings.Cut(strings.TrimSuffix(rest, "\n"), "\t")
		return fmt.Sprintf("%s [%s/%d]", descr, name, dlt)
	}
	return fmt.Sprintf("(null) [(null)/%d]", dlt)
}
