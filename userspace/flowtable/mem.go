package flowtable

import "unsafe"

// allocSlice returns n zeroed elements of a pointer-free type T backed by
// allocRaw, and the function that frees them. T must contain no Go
// pointers: the memory may live outside the garbage-collected heap.
func allocSlice[T any](n int) ([]T, func()) {
	var zero T
	b, free := allocRaw(n * int(unsafe.Sizeof(zero)))
	if n == 0 {
		return nil, free
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n), free
}
