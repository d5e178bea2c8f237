/*
 * Named steps. Every step of a command that changes something outside
 * its own memory is announced with vm_hook("start:labelled") and so on.
 * In a build with --enable-test-hooks, when $VMKIT_TEST_STOP_AT names
 * the step, the command writes its pid to $VMKIT_TEST_STOP_FILE and
 * stops itself (SIGSTOP) there, so a test can SIGKILL it at exactly that
 * point. In normal builds vm_hook() compiles to nothing.
 */
#ifndef VM_HOOKS_H
#define VM_HOOKS_H

#include "config.h"

#ifdef VM_TEST_HOOKS
void vm_hook(const char *step);
#else
#define vm_hook(step) ((void)0)
#endif

#endif
