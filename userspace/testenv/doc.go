// Package testenv holds what flowtap's tests share: the skip rules (a test
// that needs root, a kernel feature, a tool or the shared captures skips
// with a clear message on a laptop, but fails when CI=true, where a missing
// prerequisite means the environment is wrong), the paths of ../shared,
// an independent gopacket reading of capture files, frame building from
// gopacket layers and line splitting. It is for tests only and knows no
// package's logic: helpers for one package stay in that package's tests.
package testenv
