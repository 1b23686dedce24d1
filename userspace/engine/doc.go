// Package engine is flowtap's offline engine: it runs each captured packet
// through T2's order of work (expire, parse, find or create the flow,
// update the shared state, extract) and hands ended flows to the plugins
// and the flows file. It reads packets it is given and writes through the
// sinks it is given; it opens no files of its own.
package engine
