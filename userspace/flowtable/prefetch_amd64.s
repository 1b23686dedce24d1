#include "textflag.h"

// func prefetchLine(addr uintptr)
TEXT ·prefetchLine(SB), NOSPLIT, $0-8
	MOVQ       addr+0(FP), AX
	PREFETCHT0 (AX)
	RET

// func prefetchFlowLines(flow, link uintptr)
TEXT ·prefetchFlowLines(SB), NOSPLIT, $0-16
	MOVQ       flow+0(FP), AX
	MOVQ       link+8(FP), BX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	PREFETCHT0 128(AX)
	PREFETCHT0 192(AX)
	PREFETCHT0 (BX)
	RET
