// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-loop: map a range of a device-mapper device onto a regular file.
 *
 * Each target instance holds one open struct file and its own worker
 * threads.  map() never touches the file: it puts the bio on a list of
 * the submitting CPU and kicks that list's work on one of the target's
 * workers, so segments are served in parallel on every CPU that submits
 * I/O, unlike the loop driver's single worker.  The work drains its list
 * under one plug, so a burst of bios costs one wakeup, and bios submitted
 * under a plug are handed over together when the submitter unplugs.
 *
 * The workers belong to the target, never to the module: a target only
 * ever waits for itself.  With workers shared between targets, a flush on
 * a dm-loop device whose file lives in a filesystem on another dm-loop
 * device would wait for a bio queued behind itself on the same thread,
 * and a frozen or slow backing filesystem would stall every device.
 *
 * The workers are SCHED_BATCH kthreads rather than kworkers: a batch task
 * does not preempt the task that woke it.  A submitter that queues one bio
 * per system call (fio, databases with io_submit) keeps the CPU until it
 * waits for completions, and the worker then serves all it queued in one
 * go.  A kworker would preempt it on every bio, two context switches each,
 * which is most of what a 4 KiB I/O on tmpfs costs.  CPU time is still
 * shared fairly: SCHED_BATCH only changes wakeup preemption.
 *
 * A read or write bio becomes one ->read_iter/->write_iter call with a
 * bvec iov_iter over the bio's own pages (no copy, no per-segment calls).
 * The kiocb lives in the bio's per-bio data and carries a completion, so
 * direct I/O on a real filesystem completes the bio from the backing
 * device's completion context without a second hop.  Files without direct
 * I/O (tmpfs before 6.6, for one) are read and written through the page
 * cache with the same call.
 *
 * No extent map of the file is kept: the filesystem resolves every I/O,
 * so the file may be moved, defragmented or reflinked underneath.
 */

#include <linux/bio.h>
#include <linux/blk-cgroup.h>
#include <linux/blkdev.h>
#include <linux/ctype.h>
#include <linux/device-mapper.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/version.h>
#include <uapi/linux/sched/types.h>

#define DM_MSG_PREFIX "loop"

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define LOOP_TABLE_WRITE	BLK_OPEN_WRITE
#else
#define LOOP_TABLE_WRITE	FMODE_WRITE
#endif

/* Largest discard or write-zeroes bio we accept, in sectors. */
#define LOOP_MAX_DISCARD_SECTORS	(UINT_MAX >> SECTOR_SHIFT)

/* Bios one work run serves before it yields to the worker's other works. */
#define LOOP_BATCH			128

/* Bios a worker serves before it ends those it has finished. */
#define LOOP_END_BATCH			16

/* How many dm-loop devices deep the self-backing walk looks. */
#define LOOP_MAX_DEPTH			8

static unsigned int max_workers = 4;
module_param(max_workers, uint, 0644);
MODULE_PARM_DESC(max_workers,
		 "Worker threads per target, at most one per online CPU (default 4)");

struct loop_c;

/*
 * Bios of one target queued on one CPU.  @running is set from the moment
 * the work is queued until it finds the list empty, so map() kicks the
 * work only once per batch.  @worker is fixed at construction, because a
 * kthread_work must always go to the same worker.
 */
struct loop_cpu {
	spinlock_t lock;
	struct bio_list bios;
	bool running;
	struct kthread_work work;
	struct kthread_worker *worker;
	struct loop_c *lc;
};

struct loop_c {
	struct dm_target *ti;
	struct file *file;
	char *path;
	sector_t offset;		/* start of the segment in the file */
	unsigned int dio_mask;		/* alignment needed for direct I/O */
	bool direct;			/* the file accepts IOCB_DIRECT */
	bool read_only;
	bool discard;			/* the file can punch holes */
	struct loop_cpu __percpu *cpus;
	struct kthread_worker **workers;
	unsigned int nr_workers;
	dev_t devt;			/* the dm device this target belongs to */
	dev_t backing_devt;		/* device of the file's filesystem, or 0 */
	struct list_head list;		/* on loop_targets */
};

/*
 * Every constructed target, so that a new table can tell whether its file
 * lives, perhaps through other dm-loop devices, on its own device.
 */
static LIST_HEAD(loop_targets);
static DEFINE_MUTEX(loop_targets_lock);

/* Per-bio data: the kiocb that carries a read or write into the file. */
struct loop_io {
	struct kiocb iocb;
	loff_t pos;			/* file position of the bio's first byte */
	unsigned int done;		/* bytes finished by earlier calls */
};

/*
 * Freeze protection for a write that may complete in another context.
 * The helpers appeared in 6.6; before that, open-code what fs/aio.c does.
 */
static void loop_start_write(struct kiocb *iocb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	kiocb_start_write(iocb);
#else
	struct super_block *sb = file_inode(iocb->ki_filp)->i_sb;

	sb_start_write(sb);
	__sb_writers_release(sb, SB_FREEZE_WRITE);
#endif
}

static void loop_end_write(struct kiocb *iocb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	kiocb_end_write(iocb);
#else
	struct super_block *sb = file_inode(iocb->ki_filp)->i_sb;

	__sb_writers_acquired(sb, SB_FREEZE_WRITE);
	sb_end_write(sb);
#endif
}

/* Whether a read that got @done bytes of the bio stopped at end of file. */
static bool loop_at_eof(struct loop_io *io, unsigned int done)
{
	return io->pos + done >= i_size_read(file_inode(io->iocb.ki_filp));
}

/*
 * Called once per bio, through loop_rw_complete() when an async call
 * finishes, or by loop_rw() when the call returned synchronously.
 *
 * Only a read that stopped at or beyond the end of the file reads the
 * rest as zeros (the file shrank under us).  Any other short transfer is
 * an error: loop_rw() retries the rest of a synchronous one first, so a
 * short one that arrives here made no progress, or completed
 * asynchronously.  A read fails with an I/O error, rather than pass on
 * zeros for data it could not read; a write ran out of space.
 */
static struct bio *loop_rw_finish(struct kiocb *iocb, long ret)
{
	struct loop_io *io = container_of(iocb, struct loop_io, iocb);
	struct bio *bio = dm_bio_from_per_bio_data(io, sizeof(*io));
	unsigned int done = io->done + (ret > 0 ? ret : 0);

	if (iocb->ki_flags & IOCB_WRITE)
		loop_end_write(iocb);

	if (ret < 0) {
		bio->bi_status = errno_to_blk_status(ret);
	} else if (done == bio->bi_iter.bi_size) {
		/* complete */
	} else if (iocb->ki_flags & IOCB_WRITE) {
		bio->bi_status = BLK_STS_NOSPC;
	} else if (loop_at_eof(io, done)) {
		struct bvec_iter iter = bio->bi_iter;
		struct bio_vec bv;

		bio_advance_iter(bio, &iter, done);
		__bio_for_each_segment(bv, bio, iter, iter)
			memzero_bvec(&bv);
	} else {
		bio->bi_status = BLK_STS_IOERR;
	}
	return bio;
}

/* The filesystem's completion of an async call (direct I/O on a disk). */
static void loop_rw_complete(struct kiocb *iocb, long ret)
{
	bio_endio(loop_rw_finish(iocb, ret));
}

/* Point @iter at the bio's data from byte @done on. */
static void loop_bio_iter(struct bio *bio, unsigned int done, bool write,
			  struct iov_iter *iter)
{
	struct bvec_iter start = bio->bi_iter;
	unsigned int nr_bvec = 0;
	struct bvec_iter it;
	struct bio_vec bv;

	bio_advance_iter(bio, &start, done);
	/*
	 * A dm clone shares the parent's bvec table, so bi_vcnt is of no
	 * use; count the (multi-page) bvecs this range spans instead.
	 */
	__bio_for_each_bvec(bv, bio, it, start)
		nr_bvec++;
	iov_iter_bvec(iter, write ? ITER_SOURCE : ITER_DEST,
		      __bvec_iter_bvec(bio->bi_io_vec, start), nr_bvec,
		      start.bi_size);
	iter->iov_offset = start.bi_bvec_done;
}

/*
 * Serve a read or write bio.  A call that finishes synchronously puts the
 * bio on @done for the worker to end; one that goes async ends it from
 * loop_rw_complete().
 */
static void loop_rw(struct loop_c *lc, struct bio *bio, struct bio_list *done)
{
	struct loop_io *io = dm_per_bio_data(bio, sizeof(*io));
	struct kiocb *iocb = &io->iocb;
	struct file *file = lc->file;
	bool write = op_is_write(bio_op(bio));
	struct iov_iter iter;
	int flags;
	ssize_t ret;

	io->pos = to_bytes(lc->offset + dm_target_offset(lc->ti, bio->bi_iter.bi_sector));
	io->done = 0;

	for (;;) {
		loop_bio_iter(bio, io->done, write, &iter);
		flags = 0;
		/* Unaligned bios take the page cache rather than fail. */
		if (READ_ONCE(lc->direct) &&
		    !(((io->pos + io->done) | iov_iter_alignment(&iter)) & lc->dio_mask))
			flags |= IOCB_DIRECT;
		if (write) {
			flags |= IOCB_WRITE;
			if (bio->bi_opf & REQ_FUA)
				flags |= IOCB_DSYNC;
		}

		*iocb = (struct kiocb) {
			.ki_filp = file,
			.ki_pos = io->pos + io->done,
			.ki_flags = flags,
			.ki_ioprio = bio_prio(bio),
			.ki_complete = loop_rw_complete,
		};

		/*
		 * call_read_iter()/call_write_iter() were plain wrappers of
		 * these and are gone since 6.10, so call the methods directly.
		 */
		if (write) {
			loop_start_write(iocb);
			ret = file->f_op->write_iter(iocb, &iter);
		} else {
			ret = file->f_op->read_iter(iocb, &iter);
		}
		if (ret == -EIOCBQUEUED)
			return;

		/*
		 * A file may claim direct I/O and refuse it on use: overlayfs
		 * over tmpfs passes the open but fails every IOCB_DIRECT call
		 * with EINVAL.  Go buffered for good and redo the call.
		 */
		if (ret == -EINVAL && (flags & IOCB_DIRECT)) {
			if (write)
				loop_end_write(iocb);
			WRITE_ONCE(lc->direct, false);
			DMINFO("%s: direct I/O refused, using buffered I/O", lc->path);
			continue;
		}

		/*
		 * A short transfer that made progress and did not stop at the
		 * end of the file: a buffered read stops before a page that
		 * fails, a buffered write before the block it has no space
		 * for.  Ask again for the rest, so that the caller gets the
		 * error itself (EIO, ENOSPC), or the data if it was transient.
		 */
		if (ret > 0 && io->done + ret < bio->bi_iter.bi_size &&
		    (write || !loop_at_eof(io, io->done + ret))) {
			if (write)
				loop_end_write(iocb);
			io->done += ret;
			continue;
		}
		bio_list_add(done, loop_rw_finish(iocb, ret));
		return;
	}
}

/* Discard and write-zeroes: both leave the range reading as zeros. */
static int loop_punch(struct loop_c *lc, struct bio *bio)
{
	loff_t pos = to_bytes(lc->offset + dm_target_offset(lc->ti, bio->bi_iter.bi_sector));
	loff_t len = bio->bi_iter.bi_size;
	int r;

	/*
	 * Write-zeroes with REQ_NOUNMAP asks to keep the blocks allocated;
	 * filesystems without FALLOC_FL_ZERO_RANGE (tmpfs) get a hole.
	 */
	if (bio_op(bio) == REQ_OP_WRITE_ZEROES && (bio->bi_opf & REQ_NOUNMAP)) {
		r = vfs_fallocate(lc->file, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
				  pos, len);
		if (r != -EOPNOTSUPP)
			return r;
	}
	return vfs_fallocate(lc->file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     pos, len);
}

/*
 * End the bios a worker has finished, a few at a time rather than each
 * one as it is done: a submitter that waits for its I/O (fio, a database
 * with io_getevents) on the worker's CPU is then woken once for several
 * completions, instead of preempting the worker after every bio, two
 * context switches each.  The batch is small, so the first bio of it
 * waits for at most LOOP_END_BATCH - 1 others.
 */
static void loop_end_bios(struct bio_list *done)
{
	struct bio *bio;

	while ((bio = bio_list_pop(done)))
		bio_endio(bio);
}

static void loop_handle_bio(struct loop_c *lc, struct bio *bio,
			    struct bio_list *done)
{
	int r = 0;

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		loop_rw(lc, bio, done);
		return;
	case REQ_OP_WRITE:
		/*
		 * dm hands flushes to targets as empty REQ_PREFLUSH bios and
		 * resubmits any data without the flag afterwards.
		 */
		if (bio->bi_opf & REQ_PREFLUSH) {
			/* Hold no finished bio across a call that may take long. */
			loop_end_bios(done);
			r = vfs_fsync(lc->file, 0);
			if (r || !bio_sectors(bio))
				break;
		}
		loop_rw(lc, bio, done);
		return;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		loop_end_bios(done);
		r = loop_punch(lc, bio);
		break;
	default:
		r = -EOPNOTSUPP;
		break;
	}
	bio->bi_status = errno_to_blk_status(r);
	bio_list_add(done, bio);
}

/*
 * The cgroup a worker charges its I/O and memory to: the submitter's,
 * taken from the bio (see needs_bio_set_dev in loop_ctr()), as the loop
 * driver does per command.  Without this
 * all backing I/O would be charged to the root cgroup, and io.max or
 * memory.max would not apply to I/O through the device.  Consecutive bios
 * of one cgroup share one switch.
 */
struct loop_charge {
	struct cgroup_subsys_state *blkcg;
	struct cgroup_subsys_state *memcg;
	struct mem_cgroup *old_memcg;
};

static void loop_charge_end(struct loop_charge *ch)
{
	if (!ch->blkcg)
		return;
#ifdef CONFIG_MEMCG
	set_active_memcg(ch->old_memcg);
	css_put(ch->memcg);
#endif
	kthread_associate_blkcg(NULL);
	ch->blkcg = NULL;
}

static void loop_charge_to(struct loop_charge *ch, struct bio *bio)
{
	struct cgroup_subsys_state *blkcg = NULL;

#ifdef CONFIG_BLK_CGROUP
	if (bio->bi_blkg && bio_blkcg_css(bio) != blkcg_root_css)
		blkcg = bio_blkcg_css(bio);
#endif
	if (blkcg == ch->blkcg)
		return;
	loop_charge_end(ch);
	if (!blkcg)
		return;
	kthread_associate_blkcg(blkcg);
#ifdef CONFIG_MEMCG
	ch->memcg = cgroup_get_e_css(blkcg->cgroup, &memory_cgrp_subsys);
	ch->old_memcg = set_active_memcg(mem_cgroup_from_css(ch->memcg));
#endif
	ch->blkcg = blkcg;
}

static void loop_work(struct kthread_work *work)
{
	struct loop_cpu *lcpu = container_of(work, struct loop_cpu, work);
	struct loop_charge charge = { };
	unsigned int noio, throttle, served = 0;
	struct bio_list bios, done;
	struct blk_plug plug;
	struct bio *bio;

	/*
	 * Reclaim may be waiting for the pages this thread writes, so its own
	 * allocations must not start I/O (perhaps to this very device), and
	 * dirty throttling must only weigh the backing file's device, not the
	 * dirty pages stacked above us.
	 */
	noio = memalloc_noio_save();
	throttle = current->flags & PF_LOCAL_THROTTLE;
	current->flags |= PF_LOCAL_THROTTLE;

	bio_list_init(&done);
	blk_start_plug(&plug);
	spin_lock_irq(&lcpu->lock);
	while (!bio_list_empty(&lcpu->bios)) {
		/*
		 * Other CPUs' lists of this target may share the thread: give
		 * them a turn now and then.  @running stays set, so map()
		 * leaves the kick to the requeued work.
		 */
		if (served >= LOOP_BATCH) {
			kthread_queue_work(lcpu->worker, &lcpu->work);
			goto out;
		}
		bios = lcpu->bios;
		bio_list_init(&lcpu->bios);
		spin_unlock_irq(&lcpu->lock);

		while ((bio = bio_list_pop(&bios))) {
			loop_charge_to(&charge, bio);
			loop_handle_bio(lcpu->lc, bio, &done);
			if (!(++served % LOOP_END_BATCH))
				loop_end_bios(&done);
			cond_resched();
		}
		loop_end_bios(&done);

		spin_lock_irq(&lcpu->lock);
	}
	lcpu->running = false;
out:
	spin_unlock_irq(&lcpu->lock);
	blk_finish_plug(&plug);
	loop_charge_end(&charge);
	current->flags = (current->flags & ~PF_LOCAL_THROTTLE) | throttle;
	memalloc_noio_restore(noio);
}

/*
 * Hand @bios to the list of the current CPU.  Should the submitter move
 * to another CPU meanwhile, the bios merely land on a list that is not
 * the local one; every list has its own lock and work, so neither
 * preemption nor interrupts need to be off, which keeps this right on
 * PREEMPT_RT, where spinlock_t sleeps.
 */
static void loop_queue_bios(struct loop_c *lc, struct bio_list *bios)
{
	struct loop_cpu *lcpu = raw_cpu_ptr(lc->cpus);
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&lcpu->lock, flags);
	kick = !lcpu->running;
	lcpu->running = true;
	bio_list_merge(&lcpu->bios, bios);
	spin_unlock_irqrestore(&lcpu->lock, flags);
	if (kick)
		kthread_queue_work(lcpu->worker, &lcpu->work);
}

/*
 * Bios submitted under a blk_plug (filesystem writeback, readahead,
 * io_submit of several iocbs) are collected here and handed over in one
 * go when the submitter unplugs or sleeps: one wakeup per batch.
 */
struct loop_plug {
	struct blk_plug_cb cb;
	struct bio_list bios;
};

static void loop_unplug(struct blk_plug_cb *cb, bool from_schedule)
{
	struct loop_plug *plug = container_of(cb, struct loop_plug, cb);

	loop_queue_bios(cb->data, &plug->bios);
	kfree(plug);
}

static void loop_queue_bio(struct loop_c *lc, struct bio *bio)
{
	struct blk_plug_cb *cb;
	struct bio_list one;

	cb = blk_check_plugged(loop_unplug, lc, sizeof(struct loop_plug));
	if (cb) {
		bio_list_add(&container_of(cb, struct loop_plug, cb)->bios, bio);
		return;
	}

	bio_list_init(&one);
	bio_list_add(&one, bio);
	loop_queue_bios(lc, &one);
}

/*
 * A SCHED_BATCH worker thread bound to @cpu, named after the dm device
 * and the CPU ("kdmloop<minor>/<cpu>").
 *
 * This is what kthread_create_worker_on_cpu() does, built from calls that
 * are the same from 6.1 on: that helper changed in 6.14 (its name lost
 * the printf arguments, and it no longer wakes the thread, which the new
 * kthread_run_worker_on_cpu() does), and it only puts the CPU number in
 * the name, while these threads need the device's as well.
 * kthread_destroy_worker() frees the worker, so it comes from kzalloc().
 */
static struct kthread_worker *loop_worker_create(struct loop_c *lc, unsigned int cpu)
{
	struct sched_attr batch = {
		.size = sizeof(batch),
		.sched_policy = SCHED_BATCH,
	};
	struct kthread_worker *worker;
	struct task_struct *task;
	int r;

	worker = kzalloc(sizeof(*worker), GFP_KERNEL);
	if (!worker)
		return ERR_PTR(-ENOMEM);
	kthread_init_worker(worker);

	task = kthread_create_on_node(kthread_worker_fn, worker, cpu_to_node(cpu),
				      "kdmloop%u/%u", MINOR(lc->devt), cpu);
	if (IS_ERR(task)) {
		kfree(worker);
		return ERR_CAST(task);
	}
	kthread_bind(task, cpu);
	worker->task = task;
	r = sched_setattr_nocheck(task, &batch);
	if (r)
		DMWARN("%s: worker on CPU %u stays SCHED_NORMAL: %d", lc->path, cpu, r);
	wake_up_process(task);
	return worker;
}

static void loop_destroy_workers(struct loop_c *lc)
{
	unsigned int i;

	for (i = 0; i < lc->nr_workers; i++)
		kthread_destroy_worker(lc->workers[i]);
	kfree(lc->workers);
}

/*
 * Give the target a worker on each of the first max_workers online CPUs.
 * Each CPU's list goes to the worker on that CPU where there is one, and
 * to one picked by CPU number otherwise (CPUs past the cap, offline, or
 * brought up later).
 */
static int loop_create_workers(struct loop_c *lc)
{
	unsigned int want = clamp(max_workers, 1U, num_online_cpus());
	unsigned int *slot;
	int cpu, r = 0;

	lc->workers = kcalloc(want, sizeof(*lc->workers), GFP_KERNEL);
	slot = kcalloc(nr_cpu_ids, sizeof(*slot), GFP_KERNEL);
	if (!lc->workers || !slot) {
		r = -ENOMEM;
		goto out;
	}

	for_each_online_cpu(cpu) {
		struct kthread_worker *worker;

		if (lc->nr_workers == want)
			break;
		worker = loop_worker_create(lc, cpu);
		if (IS_ERR(worker)) {
			r = PTR_ERR(worker);
			goto out;
		}
		lc->workers[lc->nr_workers++] = worker;
		slot[cpu] = lc->nr_workers;
	}

	for_each_possible_cpu(cpu) {
		struct loop_cpu *lcpu = per_cpu_ptr(lc->cpus, cpu);

		lcpu->worker = slot[cpu] ? lc->workers[slot[cpu] - 1] :
					   lc->workers[cpu % lc->nr_workers];
	}
out:
	kfree(slot);
	return r;
}

/*
 * Whether device @dev is @self, or holds the file of a dm-loop target
 * whose device is, some levels down.  Called with loop_targets_lock held.
 */
static bool loop_backs_onto(dev_t dev, dev_t self, int depth)
{
	struct loop_c *lc;

	if (!dev)
		return false;
	if (dev == self || depth > LOOP_MAX_DEPTH)
		return true;
	list_for_each_entry(lc, &loop_targets, list) {
		if (lc->devt == dev && loop_backs_onto(lc->backing_devt, self, depth + 1))
			return true;
	}
	return false;
}

/* Whether the file takes IOCB_DIRECT, and with which alignment. */
static bool loop_can_direct(struct file *file, unsigned int *dio_mask)
{
	struct block_device *bdev = file_inode(file)->i_sb->s_bdev;

#ifdef FMODE_CAN_ODIRECT
	if (!(file->f_mode & FMODE_CAN_ODIRECT))
		return false;
#else
	if (!file->f_mapping->a_ops || !file->f_mapping->a_ops->direct_IO)
		return false;
#endif
	*dio_mask = SECTOR_SIZE - 1;
	if (bdev)
		*dio_mask = max(bdev_logical_block_size(bdev) - 1,
				bdev_dma_alignment(bdev));
	return true;
}

/*
 * Copy @path to @result with a backslash before whitespace, backslashes
 * and any character of @special: whitespace so that dm_split_args() takes
 * the TABLE line back as it was, @special for the separators of the IMA
 * line.
 */
static unsigned int loop_emit_path(const char *path, const char *special,
				   char *result, unsigned int maxlen)
{
	unsigned int sz = 0;

	if (!maxlen)
		return 0;
	for (; *path && sz + 2 < maxlen; path++) {
		if (isspace(*path) || *path == '\\' || strchr(special, *path))
			result[sz++] = '\\';
		result[sz++] = *path;
	}
	result[sz] = '\0';
	return sz;
}

/*
 * Open @path as the backing file.  It must be a regular file, and that is
 * checked on the path's inode before the open, because opening a FIFO
 * blocks and opening a device node may act on the device (a tape
 * rewinds).  The open goes through filp_open() for its permission checks
 * (immutable and append-only files among them); should the name have
 * been replaced in between, the open is refused.
 */
static struct file *loop_open(struct dm_target *ti, const char *path, bool read_only)
{
	struct path p;
	struct file *file;
	int r;

	r = kern_path(path, LOOKUP_FOLLOW, &p);
	if (r) {
		ti->error = "Cannot open backing file";
		return ERR_PTR(r);
	}
	if (!d_is_reg(p.dentry)) {
		path_put(&p);
		ti->error = "Backing file is not a regular file";
		return ERR_PTR(-EINVAL);
	}

	file = filp_open(path, (read_only ? O_RDONLY : O_RDWR) | O_LARGEFILE, 0);
	if (IS_ERR(file)) {
		ti->error = "Cannot open backing file";
	} else if (file_inode(file) != d_inode(p.dentry)) {
		fput(file);
		ti->error = "Backing file was replaced while being opened";
		file = ERR_PTR(-EAGAIN);
	}
	path_put(&p);
	return file;
}

/*
 * Construct a loop mapping:
 *
 *	<path> [<offset>]
 *
 * <path> is the absolute path of a regular file and <offset> the sector
 * of the file where the segment starts (default 0).  The file must hold
 * <offset> + <len> sectors; it is never extended, because the caller
 * sizes files before it loads a table.  A read-only table opens the file
 * read-only.  A file that lives on the device itself, directly or through
 * other dm-loop devices, is refused: I/O to it would wait for itself.
 */
static int loop_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	unsigned long long offset = 0;
	struct block_device *bdev;
	const char *path, *arg;
	struct inode *inode;
	struct loop_c *lc;
	loff_t end;
	char dummy;
	int cpu;
	int r;

	if (argc < 1 || argc > 2) {
		ti->error = "Invalid argument count: <path> [<offset>] expected";
		return -EINVAL;
	}

	path = dm_shift_arg(&as);
	if (path[0] != '/') {
		ti->error = "Backing file path must be absolute";
		return -EINVAL;
	}

	arg = dm_shift_arg(&as);
	if (arg && (sscanf(arg, "%llu%c", &offset, &dummy) != 1 ||
		    ti->len > (LLONG_MAX >> SECTOR_SHIFT) ||
		    offset > (LLONG_MAX >> SECTOR_SHIFT) - ti->len)) {
		ti->error = "Invalid backing file offset";
		return -EINVAL;
	}

	lc = kzalloc(sizeof(*lc), GFP_KERNEL);
	if (!lc) {
		ti->error = "Cannot allocate loop context";
		return -ENOMEM;
	}
	lc->ti = ti;
	lc->offset = offset;
	lc->read_only = !(dm_table_get_mode(ti->table) & LOOP_TABLE_WRITE);
	lc->devt = disk_devt(dm_disk(dm_table_get_md(ti->table)));
	INIT_LIST_HEAD(&lc->list);

	lc->path = kstrdup(path, GFP_KERNEL);
	if (!lc->path) {
		ti->error = "Cannot allocate loop context";
		r = -ENOMEM;
		goto bad;
	}

	lc->file = loop_open(ti, path, lc->read_only);
	if (IS_ERR(lc->file)) {
		r = PTR_ERR(lc->file);
		lc->file = NULL;
		goto bad;
	}

	inode = file_inode(lc->file);
	if (IS_SWAPFILE(inode)) {
		ti->error = "Backing file is an active swap file";
		r = -EBUSY;
		goto bad;
	}
	if (!lc->file->f_op->read_iter ||
	    (!lc->read_only && !lc->file->f_op->write_iter)) {
		ti->error = "Backing file does not support read_iter/write_iter";
		r = -EINVAL;
		goto bad;
	}

	end = to_bytes(offset + ti->len);
	if (i_size_read(inode) < end) {
		ti->error = "Backing file is smaller than offset + length";
		r = -EINVAL;
		goto bad;
	}

	bdev = inode->i_sb->s_bdev;
	lc->backing_devt = bdev ? bdev->bd_dev : 0;
	lc->direct = loop_can_direct(lc->file, &lc->dio_mask);
	lc->discard = !lc->read_only && lc->file->f_op->fallocate;

	lc->cpus = alloc_percpu(struct loop_cpu);
	if (!lc->cpus) {
		ti->error = "Cannot allocate per-CPU queues";
		r = -ENOMEM;
		goto bad;
	}
	for_each_possible_cpu(cpu) {
		struct loop_cpu *lcpu = per_cpu_ptr(lc->cpus, cpu);

		spin_lock_init(&lcpu->lock);
		bio_list_init(&lcpu->bios);
		kthread_init_work(&lcpu->work, loop_work);
		lcpu->lc = lc;
	}

	r = loop_create_workers(lc);
	if (r) {
		ti->error = "Cannot start worker threads";
		goto bad;
	}

	mutex_lock(&loop_targets_lock);
	if (loop_backs_onto(lc->backing_devt, lc->devt, 0)) {
		mutex_unlock(&loop_targets_lock);
		ti->error = "Backing file lives on the device itself (directly or through dm-loop devices)";
		r = -ELOOP;
		goto bad;
	}
	list_add(&lc->list, &loop_targets);
	mutex_unlock(&loop_targets_lock);

	ti->private = lc;
	ti->per_io_data_size = sizeof(struct loop_io);
	if (!lc->read_only) {
		ti->num_flush_bios = 1;
		ti->flush_supported = true;
	}
	if (lc->discard) {
		ti->num_discard_bios = 1;
		ti->num_write_zeroes_bios = 1;
		ti->discards_supported = true;
	}
	/*
	 * dm's clones carry no cgroup of their own; this has dm associate
	 * each with the cgroup of the task that maps it, which is what
	 * loop_charge_to() hands on to the worker.
	 */
	ti->needs_bio_set_dev = true;
	return 0;

bad:
	if (lc->workers)
		loop_destroy_workers(lc);
	free_percpu(lc->cpus);
	if (lc->file)
		fput(lc->file);
	kfree(lc->path);
	kfree(lc);
	return r;
}

static void loop_dtr(struct dm_target *ti)
{
	struct loop_c *lc = ti->private;

	mutex_lock(&loop_targets_lock);
	list_del(&lc->list);
	mutex_unlock(&loop_targets_lock);

	/* No bio is in flight; this flushes works still winding down. */
	loop_destroy_workers(lc);
	free_percpu(lc->cpus);
	fput(lc->file);
	kfree(lc->path);
	kfree(lc);
}

static int loop_map(struct dm_target *ti, struct bio *bio)
{
	struct loop_c *lc = ti->private;

	/*
	 * The block layer only warns about writes to a read-only disk, and
	 * ->write_iter does not check the open mode: refuse them here.
	 */
	if (lc->read_only && op_is_write(bio_op(bio))) {
		if (bio_op(bio) == REQ_OP_WRITE && !bio_sectors(bio)) {
			bio_endio(bio);
			return DM_MAPIO_SUBMITTED;
		}
		return DM_MAPIO_KILL;
	}

	loop_queue_bio(lc, bio);
	return DM_MAPIO_SUBMITTED;
}

static void loop_status(struct dm_target *ti, status_type_t type,
			unsigned int status_flags, char *result, unsigned int maxlen)
{
	struct loop_c *lc = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		DMEMIT("%s", lc->direct ? "direct" : "buffered");
		break;
	case STATUSTYPE_TABLE:
		sz = loop_emit_path(lc->path, "", result, maxlen);
		DMEMIT(" %llu", (unsigned long long)lc->offset);
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",file_name=");
		sz += loop_emit_path(lc->path, ",;=", result + sz, maxlen - sz);
		DMEMIT(",offset=%llu,read_only=%c;",
		       (unsigned long long)lc->offset, lc->read_only ? 'y' : 'n');
		break;
	}
}

/*
 * There is no underlying block device to report, but dm (at least in 6.1)
 * only calls io_hints for targets that have this method.
 */
static int loop_iterate_devices(struct dm_target *ti,
				iterate_devices_callout_fn fn, void *data)
{
	return 0;
}

static void loop_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct loop_c *lc = ti->private;
	struct block_device *bdev = file_inode(lc->file)->i_sb->s_bdev;

	/*
	 * Direct I/O must meet the backing device's logical block size.  Where
	 * that is more than a sector (4K-sector disks), offer it as ours too,
	 * so that no bio has to fall back to the page cache, as the loop
	 * driver does in direct I/O mode.
	 */
	if (lc->direct && bdev) {
		unsigned int lbs = bdev_logical_block_size(bdev);

		limits->logical_block_size = max(limits->logical_block_size, lbs);
		limits->physical_block_size = max(limits->physical_block_size, lbs);
		limits->io_min = max(limits->io_min, lbs);
	}

	if (!lc->discard)
		return;

	limits->discard_granularity = max_t(unsigned int, SECTOR_SIZE,
					    file_inode(lc->file)->i_sb->s_blocksize);
	/*
	 * Drivers set max_hw_discard_sectors; before 6.10 the stacking code
	 * read max_discard_sectors, since then it derives that from the
	 * former.  Setting both is right everywhere.
	 */
	limits->max_hw_discard_sectors = LOOP_MAX_DISCARD_SECTORS;
	limits->max_discard_sectors = LOOP_MAX_DISCARD_SECTORS;
	limits->max_write_zeroes_sectors = LOOP_MAX_DISCARD_SECTORS;
}

static struct target_type loop_target = {
	.name		 = "loop",
	.version	 = {1, 1, 0},
	.module		 = THIS_MODULE,
	.ctr		 = loop_ctr,
	.dtr		 = loop_dtr,
	.map		 = loop_map,
	.status		 = loop_status,
	.iterate_devices = loop_iterate_devices,
	.io_hints	 = loop_io_hints,
};

static int __init dm_loop_init(void)
{
	int r;

	r = dm_register_target(&loop_target);
	if (r < 0)
		DMERR("register failed %d", r);
	return r;
}

static void __exit dm_loop_exit(void)
{
	dm_unregister_target(&loop_target);
}

module_init(dm_loop_init);
module_exit(dm_loop_exit);

MODULE_DESCRIPTION(DM_NAME " target mapping a block range onto a regular file");
MODULE_AUTHOR("dmloop developers");
MODULE_LICENSE("GPL");
