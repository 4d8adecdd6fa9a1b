// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-loop: map a range of a device-mapper device onto a regular file.
 *
 * Each target instance holds one open struct file.  map() never touches
 * the file: it puts the bio on a list owned by the current CPU and kicks
 * that list's work on the CPU's own worker thread, so segments are served
 * in parallel on every CPU that submits I/O, unlike the loop driver's
 * single worker.  The work drains its whole list under one plug, so a
 * burst of bios costs one wakeup, and bios submitted under a plug are
 * handed over together when the submitter unplugs.
 *
 * The workers are SCHED_BATCH kthreads rather than kworkers: a batch task
 * does not preempt the task that woke it.  A submitter that queues one bio
 * per system call (fio, databases with io_submit) keeps the CPU until it
 * waits for completions, and the worker then serves all it queued in one
 * go.  A kworker would preempt it on every bio, two context switches each,
 * which is most of what a 4 KiB I/O on tmpfs costs.  CPU time is still
 * shared fairly: SCHED_BATCH only changes wakeup preemption.
 *
 * A read or write bio becomes exactly one ->read_iter/->write_iter call
 * with a bvec iov_iter over the bio's own pages (no copy, no per-segment
 * calls).  The kiocb lives in the bio's per-bio data and carries a
 * completion, so direct I/O on a real filesystem completes the bio from
 * the backing device's completion context without a second hop.  Files
 * without direct I/O (tmpfs before 6.6, for one) are read and written
 * through the page cache with the same call.
 *
 * No extent map of the file is kept: the filesystem resolves every I/O,
 * so the file may be moved, defragmented or reflinked underneath.
 */

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/cpuhotplug.h>
#include <linux/ctype.h>
#include <linux/device-mapper.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
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

/*
 * One worker thread per CPU, shared by all targets, created when the CPU
 * comes online and kept until the module goes.  Indexed by CPU number.
 */
static struct kthread_worker **loop_workers;
static enum cpuhp_state loop_cpuhp_state;

struct loop_c;

/*
 * Bios of one target queued on one CPU.  @running is set while the work
 * is draining the list; map() then only appends, and the work picks the
 * bio up before it stops.  @worker is fixed at construction, because a
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
};

/* Per-bio data: the kiocb that carries a read or write into the file. */
struct loop_io {
	struct kiocb iocb;
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

/*
 * Called once per read or write, either by the filesystem when an async
 * call finishes or by loop_rw() when the call returned synchronously.
 */
static void loop_rw_complete(struct kiocb *iocb, long ret)
{
	struct loop_io *io = container_of(iocb, struct loop_io, iocb);
	struct bio *bio = dm_bio_from_per_bio_data(io, sizeof(*io));

	if (iocb->ki_flags & IOCB_WRITE)
		loop_end_write(iocb);

	if (ret == bio->bi_iter.bi_size) {
		/* complete */
	} else if (ret < 0) {
		bio->bi_status = errno_to_blk_status(ret);
	} else if (op_is_write(bio_op(bio))) {
		bio->bi_status = BLK_STS_IOERR;
	} else {
		/* The file shrank under us: what lies past its end reads as zeros. */
		struct bvec_iter iter = bio->bi_iter;
		struct bio_vec bv;

		bio_advance_iter(bio, &iter, ret);
		__bio_for_each_segment(bv, bio, iter, iter)
			memzero_bvec(&bv);
	}
	bio_endio(bio);
}

static void loop_rw(struct loop_c *lc, struct bio *bio)
{
	struct loop_io *io = dm_per_bio_data(bio, sizeof(*io));
	struct kiocb *iocb = &io->iocb;
	struct file *file = lc->file;
	bool write = op_is_write(bio_op(bio));
	unsigned int nr_bvec = 0;
	struct bvec_iter it;
	struct iov_iter iter;
	struct bio_vec bv;
	int flags = 0;
	loff_t pos;
	ssize_t ret;

	/*
	 * A dm clone shares the parent's bvec table, so bi_vcnt is of no
	 * use; count the (multi-page) bvecs this bio spans instead.
	 */
	bio_for_each_bvec(bv, bio, it)
		nr_bvec++;
	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST,
		      __bvec_iter_bvec(bio->bi_io_vec, bio->bi_iter),
		      nr_bvec, bio->bi_iter.bi_size);
	iter.iov_offset = bio->bi_iter.bi_bvec_done;

	pos = to_bytes(lc->offset + dm_target_offset(lc->ti, bio->bi_iter.bi_sector));

retry:
	flags = 0;
	/* Unaligned bios take the page cache rather than fail. */
	if (READ_ONCE(lc->direct) && !((pos | iov_iter_alignment(&iter)) & lc->dio_mask))
		flags |= IOCB_DIRECT;
	if (write) {
		flags |= IOCB_WRITE;
		if (bio->bi_opf & REQ_FUA)
			flags |= IOCB_DSYNC;
	}

	*iocb = (struct kiocb) {
		.ki_filp = file,
		.ki_pos = pos,
		.ki_flags = flags,
		.ki_ioprio = bio_prio(bio),
		.ki_complete = loop_rw_complete,
	};

	/*
	 * call_read_iter()/call_write_iter() were plain wrappers of these
	 * and are gone since 6.10, so call the methods directly.
	 */
	if (write) {
		loop_start_write(iocb);
		ret = file->f_op->write_iter(iocb, &iter);
	} else {
		ret = file->f_op->read_iter(iocb, &iter);
	}

	/*
	 * A file may claim direct I/O and refuse it on use: overlayfs over
	 * tmpfs passes the open but fails every IOCB_DIRECT call with
	 * EINVAL. Go buffered for good and redo this bio, which nothing has
	 * touched yet.
	 */
	if (ret == -EINVAL && (flags & IOCB_DIRECT)) {
		if (write)
			loop_end_write(iocb);
		WRITE_ONCE(lc->direct, false);
		DMINFO("%s: direct I/O refused, using buffered I/O", lc->path);
		iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST,
			      __bvec_iter_bvec(bio->bi_io_vec, bio->bi_iter),
			      nr_bvec, bio->bi_iter.bi_size);
		iter.iov_offset = bio->bi_iter.bi_bvec_done;
		goto retry;
	}
	if (ret != -EIOCBQUEUED)
		loop_rw_complete(iocb, ret);
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

static void loop_handle_bio(struct loop_c *lc, struct bio *bio)
{
	int r = 0;

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		loop_rw(lc, bio);
		return;
	case REQ_OP_WRITE:
		/*
		 * dm hands flushes to targets as empty REQ_PREFLUSH bios and
		 * resubmits any data without the flag afterwards.
		 */
		if (bio->bi_opf & REQ_PREFLUSH) {
			r = vfs_fsync(lc->file, 0);
			if (r || !bio_sectors(bio))
				break;
		}
		loop_rw(lc, bio);
		return;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		r = loop_punch(lc, bio);
		break;
	default:
		r = -EOPNOTSUPP;
		break;
	}
	bio->bi_status = errno_to_blk_status(r);
	bio_endio(bio);
}

static void loop_work(struct kthread_work *work)
{
	struct loop_cpu *lcpu = container_of(work, struct loop_cpu, work);
	struct blk_plug plug;
	struct bio_list bios;
	struct bio *bio;

	/*
	 * Reclaim may be waiting for the pages this thread writes, so its own
	 * allocations must not start I/O (perhaps to this very device), and
	 * dirty throttling must only weigh the backing file's device, not the
	 * dirty pages stacked above us.  The thread is ours alone, so the
	 * flags can simply stay set.
	 */
	current->flags |= PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE;

	blk_start_plug(&plug);
	spin_lock_irq(&lcpu->lock);
	for (;;) {
		bios = lcpu->bios;
		bio_list_init(&lcpu->bios);
		lcpu->running = !bio_list_empty(&bios);
		if (!lcpu->running)
			break;
		spin_unlock_irq(&lcpu->lock);

		while ((bio = bio_list_pop(&bios))) {
			loop_handle_bio(lcpu->lc, bio);
			cond_resched();
		}

		spin_lock_irq(&lcpu->lock);
	}
	spin_unlock_irq(&lcpu->lock);
	blk_finish_plug(&plug);
}

/* Hand @bios to the work item of the current CPU. */
static void loop_queue_bios(struct loop_c *lc, struct bio_list *bios)
{
	struct loop_cpu *lcpu;
	unsigned long flags;
	bool kick;
	int cpu;

	/* Interrupts stay off until queued, so @cpu cannot go offline. */
	local_irq_save(flags);
	cpu = smp_processor_id();
	lcpu = per_cpu_ptr(lc->cpus, cpu);
	spin_lock(&lcpu->lock);
	kick = !lcpu->running && bio_list_empty(&lcpu->bios);
	bio_list_merge(&lcpu->bios, bios);
	spin_unlock(&lcpu->lock);
	if (kick)
		kthread_queue_work(lcpu->worker, &lcpu->work);
	local_irq_restore(flags);
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
 * The worker of @cpu, or while that CPU has none (offline when the module
 * loaded, or its thread could not be made) the first worker there is.
 */
static struct kthread_worker *loop_worker_for(int cpu)
{
	struct kthread_worker *worker = READ_ONCE(loop_workers[cpu]);

	if (!worker) {
		for_each_possible_cpu(cpu) {
			worker = READ_ONCE(loop_workers[cpu]);
			if (worker)
				break;
		}
	}
	return worker;
}

/* CPU hotplug callback, also run for every online CPU at module load. */
static int loop_cpu_online(unsigned int cpu)
{
	struct sched_attr batch = {
		.size = sizeof(batch),
		.sched_policy = SCHED_BATCH,
	};
	struct kthread_worker *worker;
	int r;

	if (loop_workers[cpu])
		return 0;
	worker = kthread_create_worker_on_cpu(cpu, 0, "kdmloopd/%u", cpu);
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	r = sched_setattr_nocheck(worker->task, &batch);
	if (r)
		DMWARN("worker on CPU %u stays SCHED_NORMAL: %d", cpu, r);
	WRITE_ONCE(loop_workers[cpu], worker);
	return 0;
}

static void loop_destroy_workers(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (loop_workers[cpu])
			kthread_destroy_worker(loop_workers[cpu]);
	}
	kfree(loop_workers);
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

/* Escape what dm_split_args() would split on, so TABLE round-trips. */
static unsigned int loop_emit_path(const char *path, char *result,
				   unsigned int maxlen)
{
	unsigned int sz = 0;

	for (; *path && sz + 2 < maxlen; path++) {
		if (isspace(*path) || *path == '\\')
			result[sz++] = '\\';
		result[sz++] = *path;
	}
	result[sz] = '\0';
	return sz;
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
 * read-only.
 */
static int loop_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	unsigned long long offset = 0;
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

	lc->path = kstrdup(path, GFP_KERNEL);
	if (!lc->path) {
		ti->error = "Cannot allocate loop context";
		r = -ENOMEM;
		goto bad;
	}

	lc->file = filp_open(path, (lc->read_only ? O_RDONLY : O_RDWR) | O_LARGEFILE, 0);
	if (IS_ERR(lc->file)) {
		r = PTR_ERR(lc->file);
		lc->file = NULL;
		ti->error = "Cannot open backing file";
		goto bad;
	}

	inode = file_inode(lc->file);
	if (!S_ISREG(inode->i_mode)) {
		ti->error = "Backing file is not a regular file";
		r = -EINVAL;
		goto bad;
	}
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
		lcpu->worker = loop_worker_for(cpu);
		lcpu->lc = lc;
	}

	ti->private = lc;
	ti->per_io_data_size = sizeof(struct loop_io);
	if (!lc->read_only) {
		ti->num_flush_bios = 1;
		ti->flush_supported = true;
	}
	if (lc->discard) {
		ti->num_discard_bios = 1;
		ti->num_write_zeroes_bios = 1;
	}
	return 0;

bad:
	if (lc->file)
		fput(lc->file);
	kfree(lc->path);
	kfree(lc);
	return r;
}

static void loop_dtr(struct dm_target *ti)
{
	struct loop_c *lc = ti->private;
	int cpu;

	/* No bio is in flight, but a work item may still be winding down. */
	for_each_possible_cpu(cpu)
		kthread_flush_work(&per_cpu_ptr(lc->cpus, cpu)->work);
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
		sz = loop_emit_path(lc->path, result, maxlen);
		DMEMIT(" %llu", (unsigned long long)lc->offset);
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",file_name=%s,offset=%llu,read_only=%c;", lc->path,
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
	.version	 = {1, 0, 0},
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

	/*
	 * Dedicated threads need no memory to make progress, so a device
	 * that backs swap or writeback cannot deadlock on reclaim.
	 */
	loop_workers = kcalloc(nr_cpu_ids, sizeof(*loop_workers), GFP_KERNEL);
	if (!loop_workers)
		return -ENOMEM;

	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "dm-loop:online",
			      loop_cpu_online, NULL);
	if (r < 0) {
		DMERR("cannot start the per-CPU workers: %d", r);
		loop_destroy_workers();
		return r;
	}
	loop_cpuhp_state = r;

	r = dm_register_target(&loop_target);
	if (r < 0) {
		DMERR("register failed %d", r);
		cpuhp_remove_state(loop_cpuhp_state);
		loop_destroy_workers();
	}
	return r;
}

static void __exit dm_loop_exit(void)
{
	dm_unregister_target(&loop_target);
	cpuhp_remove_state(loop_cpuhp_state);
	loop_destroy_workers();
}

module_init(dm_loop_init);
module_exit(dm_loop_exit);

MODULE_DESCRIPTION(DM_NAME " target mapping a block range onto a regular file");
MODULE_AUTHOR("dmloop developers");
MODULE_LICENSE("GPL");
