/*
 * The machine below <devices>: <clock> and its <timer>s, <features>,
 * <pm>, <on_reboot> and <on_crash>, and <vcpu current>. Each is
 * libvirt's XML with QEMU 7.2's arguments as libvirt 9.0 gives them, so
 * that the guest sees the machine it saw under libvirt; what QEMU cannot
 * do by itself (libvirt does some of it from its daemon) is refused,
 * naming the value.
 *
 * domain.c walks the elements (vm_machine_clock and friends, whose
 * handlers fill struct vm_machine); qemu_argv.c adds the arguments:
 *
 *	vm_machine_opts(dom, &o);		(into -machine's value)
 *	vm_machine_cpu_argv(dom, a, err);	(-cpu)
 *	vm_machine_argv(dom, a, err);		(-rtc, -global ...)
 */
#ifndef VM_MACHINE_H
#define VM_MACHINE_H

#include <stdbool.h>
#include <stddef.h>

/* Host CPUs a cpuset may name: glibc's CPU_SETSIZE. */
#define VM_MACHINE_CPUS 1024
/* Words of a host CPU set: bit N of word N / 64 is CPU N. */
#define VM_MACHINE_CPUSET_WORDS (VM_MACHINE_CPUS / 64)
/* <feature>s of a CPU: an Intel host-model under KVM lists its vmx-* too; the map has 212 */
#define VM_MACHINE_CPU_FEATURES 256

/* An on/off that libvirt may leave out, QEMU's default then. */
enum vm_switch { VM_SWITCH_DEFAULT, VM_SWITCH_ON, VM_SWITCH_OFF };

enum vm_clock_offset { VM_CLOCK_NONE, VM_CLOCK_UTC, VM_CLOCK_LOCALTIME, VM_CLOCK_VARIABLE };
enum vm_rtc_track {
	VM_RTC_TRACK_DEFAULT,
	VM_RTC_TRACK_GUEST,
	VM_RTC_TRACK_WALL,
	VM_RTC_TRACK_REALTIME
};
enum vm_pit_policy { VM_PIT_DEFAULT, VM_PIT_DELAY, VM_PIT_CATCHUP, VM_PIT_DISCARD };
enum vm_ioapic { VM_IOAPIC_DEFAULT, VM_IOAPIC_KVM, VM_IOAPIC_QEMU };

/* The Hyper-V enlightenments that are plain on/off, bits of hv_on, in libvirt's order. */
enum vm_hyperv {
	VM_HV_RELAXED,
	VM_HV_VAPIC,
	VM_HV_VPINDEX,
	VM_HV_RUNTIME,
	VM_HV_SYNIC,
	VM_HV_STIMER,
	VM_HV_RESET,
	VM_HV_FREQUENCIES,
	VM_HV_REENLIGHTENMENT,
	VM_HV_TLBFLUSH,
	VM_HV_IPI,
	VM_HV_EVMCS,
	VM_HV_AVIC,
	VM_HV_COUNT
};

/* <vcpupin>: vcpu VCPU's thread runs on host CPUS. */
struct vm_vcpupin {
	unsigned vcpu;
	unsigned long long cpus[VM_MACHINE_CPUSET_WORDS];
};

struct vm_machine {
	/* <clock> */
	enum vm_clock_offset offset;
	bool basis_localtime; /* offset variable: adjustment from local time */
	long long adjustment; /* offset variable: seconds */
	enum vm_rtc_track rtc_track;
	bool rtc_catchup;	/* rtc tickpolicy catchup */
	enum vm_pit_policy pit; /* pit tickpolicy */
	enum vm_switch hpet, kvmclock;
	bool hypervclock;
	unsigned long long tsc_frequency; /* Hz, 0: QEMU's */
	/* <features> */
	enum vm_switch apic_eoi, vmport, smm, pmu;
	enum vm_ioapic ioapic;
	bool vmcoreinfo;
	bool hyperv, hv_passthrough, hv_stimer_direct;
	unsigned hv_on;	       /* 1 << enum vm_hyperv */
	unsigned hv_spinlocks; /* retries, 0: off */
	char hv_vendor_id[13]; /* "": off */
	bool kvm_hidden, kvm_dedicated;
	/* <pm> */
	enum vm_switch suspend_mem, suspend_disk;
	/* lifecycle */
	bool no_reboot;	     /* on_reboot destroy */
	bool crash_preserve; /* on_crash preserve */
	/* <vcpu current='N'>, 0: all */
	unsigned vcpus_current;
	/* <cpu mode='custom'>: QEMU's model and its features; topology, 0: none */
	char cpu_model[64];
	struct {
		char name[48]; /* libvirt's CPU map's longest fits (cpumap.h) */
		bool on;
		/* the policy, for host-model: required, forbidden, optional */
		bool must, forbid, optional;
	} cpu_features[VM_MACHINE_CPU_FEATURES];
	unsigned ncpu_features;
	bool cpu_migratable_off; /* host-passthrough migratable='off' */
	bool cpu_check_none;	 /* <cpu check='none'> */
	long cpu_line;		 /* of <cpu>, for host-model's errors */
	unsigned sockets, dies, cores, threads;
	/* <vcpu cpuset='...'>: the host CPUs QEMU runs on */
	bool pinned;
	unsigned long long cpuset[VM_MACHINE_CPUSET_WORDS];
	/* <cputune> (cputune.c): vcpu threads pinned after start, QEMU's process before */
	struct vm_vcpupin *vcpupins;
	size_t nvcpupins;
	bool emulator_pinned;
	unsigned long long emulatorpin[VM_MACHINE_CPUSET_WORDS];
	unsigned iothreads; /* <iothreads>: QEMU's iothread1 ... */
	/* <memoryBacking> (memory.c): the guest's RAM a memfd (shared, on hugepages) */
	bool mem_memfd, mem_shared, nosharepages;
	unsigned long long hugepage_kib; /* 0: none; else the page size */
	/* <cpu><numa> of one <cell>: every vcpu and all memory on guest node 0 */
	bool numa, numa_shared;
	unsigned long long numa_kib, numa_cpus[VM_MACHINE_CPUSET_WORDS];
	/* <currentMemory> below <memory>: the balloon's target in KiB, 0: none */
	unsigned long long balloon_kib;
};

struct vm_domain;
struct vm_argv;
struct vm_argv_opt;
struct vm_error;

/* Appends DOM's machine properties (",vmport=off" ...) to the value of -machine. */
void vm_machine_opts(const struct vm_domain *dom, struct vm_argv_opt *o);
/* -smp's value: the vcpus, maxcpus and topology. */
void vm_machine_smp(const struct vm_domain *dom, char *buf, size_t size);
/*
 * Makes DOM's host-model CPU the model and features HM gives, with the
 * domain's own <feature>s over them as libvirt lays them: a feature HM
 * lists takes the domain's policy, the others come after. Until then
 * vm_machine_cpu_argv refuses a host-model CPU. Unless check='none',
 * a required feature QEMU's CPU lacks, or a forbidden one it has, fails
 * with VM_EXIT_INVALID, as libvirt fails the domain; an optional one is
 * on where QEMU's CPU has it. Features are spelt as libvirt gives them
 * to QEMU.
 */
struct vm_hostmodel;
struct vm_cpumap;
int vm_machine_host_model(struct vm_domain *dom, const struct vm_cpumap *map,
			  const struct vm_hostmodel *hm, struct vm_error *err);
/* Pushes -cpu when DOM asks for a CPU model or any CPU property. */
int vm_machine_cpu_argv(const struct vm_domain *dom, struct vm_argv *a, struct vm_error *err);
/* Pushes -rtc, -global, -no-reboot and the like. */
int vm_machine_argv(const struct vm_domain *dom, struct vm_argv *a, struct vm_error *err);

#endif
