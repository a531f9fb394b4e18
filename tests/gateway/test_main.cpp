// The one translation unit with CAF's test runner (main).
#include "caf/test/unit_test_impl.hpp"
