// Package testenv holds the skip rules of flowtap's tests: a test that
// needs root, a kernel feature, a tool or the shared captures skips with a
// clear message on a laptop, but fails when CI=true, where a missing
// prerequisite means the environment is wrong. It is for tests only.
package testenv
