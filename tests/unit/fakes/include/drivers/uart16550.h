/* SPDX-License-Identifier: MIT */
/*
 * Host-test forwarder: kernel/vuart.c includes <drivers/uart16550.h>, but the
 * unit-test include path (tests/unit/unit.mk) has no -Idrivers/include. Pull in
 * the real header by its path so the register offsets are the shipped ones.
 * Remove this file once unit.mk adds -Idrivers/include.
 */
#include "../../../../../drivers/include/drivers/uart16550.h"
