// Package sweep expires flows from the XDP program's `flows` map by T2's
// rule (a direction and its opposite both idle past their own timeouts,
// the timeouts kept in the state) and flushes every flow at the end. It
// removes each direction with lookup-and-delete, so the state it writes
// holds every packet counted before removal, converts kernel times to
// wall-clock times, and hands pairs, A first, to a callback. It formats
// nothing and writes no file; the map is reached through MapSource.
package sweep
