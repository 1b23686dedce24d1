package datapath

// ParseGeneral and ParseFast expose Parse's two paths to the tests, which
// check that they agree.
var (
	ParseGeneral = parseGeneral
	ParseFast    = parseFast
)
