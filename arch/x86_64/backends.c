// SPDX-License-Identifier: MIT
/* The virtualisation backends this image carries, in the order boot tries them. */
#include <septum/arch.h>
#include <svm/backend.h>
#include <vmx/vmx.h>

const struct backend *const backends[] = { &vmx_backend, &svm_backend, NULL };
