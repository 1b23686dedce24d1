package export

import "strconv"

// AppendFloatRaw prints v with full precision for handing to printf.
func AppendFloatRaw(v float64) []byte { return strconv.AppendFloat(nil, v, 'g', 17, 64) }
