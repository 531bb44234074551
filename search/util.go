package search

import (
	"fmt"
	"strconv"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
