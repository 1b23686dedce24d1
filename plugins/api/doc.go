// Package api defines what flowtap's plugins share: the flow record handed
// to them when a flow direction ends, the column descriptions of the
// flows file, and the options they read. It holds no plugin logic.
package api
