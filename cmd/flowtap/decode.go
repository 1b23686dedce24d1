package main

import (
	"fmt"
	"io"

	"github.com/flowtap/flowtap/userspace/bitdesc"
)

// runDecode implements `flowtap decode NAME=VALUE...`, T2's tawk -V.
func runDecode(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "flowtap decode: give NAME=VALUE or NAME, NAME one of %v\n", bitdesc.Columns())
		return exitUsage
	}
	for _, a := range args {
		col, val, hasVal, err := bitdesc.ParseArg(a)
		if err == nil {
			if hasVal {
				err = bitdesc.Decode(stdout, col, val)
			} else {
				err = bitdesc.DecodeAll(stdout, col)
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "flowtap decode: %v\n", err)
			return exitUsage
		}
	}
	return exitOK
}
