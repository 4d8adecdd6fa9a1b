// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-ram: a device-mapper target that keeps its data in RAM.
 *
 * Pages are allocated on first write and kept in an xarray indexed by page
 * number, as brd does; a sector that was never written reads as zeros and
 * discard gives pages back.  I/O is a memcpy done in map() itself.
 *
 * The pages belong to the mapped device, not to a table, so that growing
 * a device by loading a larger table keeps its contents.  See
 * ram_store_get() for how a store passes from one table to the next.
 */

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/device-mapper.h>
#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/vmstat.h>
#include <linux/xarray.h>

#define DM_MSG_PREFIX "ram"

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define RAM_TABLE_WRITE		BLK_OPEN_WRITE
#else
#define RAM_TABLE_WRITE		FMODE_WRITE
#endif

/* Largest discard or write-zeroes bio we accept, in sectors. */
#define RAM_MAX_DISCARD_SECTORS	(UINT_MAX >> SECTOR_SHIFT)

/* The pages of one mapped device, shared by every table of that device. */
struct ram_store {
	struct list_head list;		/* on ram_stores */
	struct mapped_device *md;	/* lookup key only, never dereferenced */
	unsigned int refs;		/* targets using the store; ram_stores_lock */
	struct xarray pages;
	atomic_long_t nr_pages;
};

struct ram_c {
	struct ram_store *store;
	bool read_only;
};

static LIST_HEAD(ram_stores);
static DEFINE_MUTEX(ram_stores_lock);

/*
 * Find the store of @md or make an empty one, and take a reference.
 *
 * A reload runs the new table's constructor while the old table is still
 * live, swaps the tables on resume, and only then destroys the old one.
 * The new target therefore finds the store here while the old target
 * still holds it; the count goes 1 -> 2 -> 1 and the pages stay.  A table
 * that is loaded but never made live (cleared, replaced by another load,
 * or failing later in its constructor) just drops its reference.  When the
 * device is removed its remaining tables are destroyed, the count reaches
 * zero and ram_store_put() frees the pages.  An md cannot be freed and
 * reused while one of its tables exists, so the key cannot go stale.
 */
static struct ram_store *ram_store_get(struct mapped_device *md)
{
	struct ram_store *rs;

	mutex_lock(&ram_stores_lock);
	list_for_each_entry(rs, &ram_stores, list) {
		if (rs->md == md) {
			rs->refs++;
			goto out;
		}
	}

	rs = kzalloc(sizeof(*rs), GFP_KERNEL);
	if (rs) {
		rs->md = md;
		rs->refs = 1;
		xa_init(&rs->pages);
		atomic_long_set(&rs->nr_pages, 0);
		list_add(&rs->list, &ram_stores);
	}
out:
	mutex_unlock(&ram_stores_lock);
	return rs;
}

static void ram_store_put(struct ram_store *rs)
{
	struct page *page;
	unsigned long idx;
	bool last;

	mutex_lock(&ram_stores_lock);
	last = !--rs->refs;
	if (last)
		list_del(&rs->list);
	mutex_unlock(&ram_stores_lock);
	if (!last)
		return;

	/* No table references the store, so no I/O can reach it. */
	xa_for_each(&rs->pages, idx, page)
		__free_page(page);
	xa_destroy(&rs->pages);
	kfree(rs);
}

static void ram_free_page_rcu(struct rcu_head *head)
{
	__free_page(container_of(head, struct page, rcu_head));
}

/*
 * Whether the system can spare another page for a RAM device.  A device
 * may be larger than memory, and the pages it holds cannot be reclaimed:
 * filling it up to the last free page would leave every other task to
 * the OOM killer.  So keep 1/32 of RAM for them, counting what reclaim
 * can free (MemAvailable); the free page count, cheap to read, spares
 * computing that while memory is plentiful.
 */
static bool ram_may_alloc(void)
{
	unsigned long reserve = totalram_pages() / 32;

	return global_zone_page_state(NR_FREE_PAGES) > 2 * reserve ||
	       si_mem_available() > reserve;
}

/*
 * Allocate the page at @idx.  The allocations may fail rather than wait
 * for memory without end: no retry loop and no OOM killer for a RAM disk,
 * the write fails instead (see ram_write()).
 */
static int ram_alloc_page(struct ram_store *rs, pgoff_t idx)
{
	const gfp_t gfp = GFP_NOIO | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	struct page *page, *old;

	if (!ram_may_alloc())
		return -ENOSPC;
	page = alloc_page(gfp | __GFP_ZERO | __GFP_HIGHMEM);
	if (!page)
		return -ENOSPC;

	old = xa_cmpxchg(&rs->pages, idx, NULL, page, gfp);
	if (old) {
		/* Lost a race with another writer, or no memory for a node. */
		__free_page(page);
		return xa_is_err(old) ? -ENOSPC : 0;
	}
	atomic_long_inc(&rs->nr_pages);
	return 0;
}

/*
 * Pages may be discarded while another bio copies to or from them, so
 * copies run under rcu_read_lock() and discarded pages are freed by RCU.
 * A page that cannot be had fails the write with BLK_STS_NOSPC (ENOSPC to
 * the writer), as a thin pool out of space does.
 */
static blk_status_t ram_write(struct ram_store *rs, struct bio *bio, sector_t sector)
{
	blk_status_t status = BLK_STS_OK;
	struct bvec_iter iter;
	struct bio_vec bv;

	rcu_read_lock();
	bio_for_each_segment(bv, bio, iter) {
		unsigned int done = 0;

		while (done < bv.bv_len) {
			pgoff_t idx = sector >> PAGE_SECTORS_SHIFT;
			unsigned int off = (sector & (PAGE_SECTORS - 1)) << SECTOR_SHIFT;
			unsigned int n = min_t(unsigned int, bv.bv_len - done, PAGE_SIZE - off);
			struct page *page;
			int r;

			page = xa_load(&rs->pages, idx);
			if (!page) {
				/* The allocation may sleep. */
				rcu_read_unlock();
				r = ram_alloc_page(rs, idx);
				rcu_read_lock();
				if (r) {
					status = BLK_STS_NOSPC;
					goto out;
				}
				continue;
			}
			memcpy_page(page, off, bv.bv_page, bv.bv_offset + done, n);
			done += n;
			sector += n >> SECTOR_SHIFT;
		}
	}
out:
	rcu_read_unlock();
	return status;
}

static void ram_read(struct ram_store *rs, struct bio *bio, sector_t sector)
{
	struct bvec_iter iter;
	struct bio_vec bv;

	rcu_read_lock();
	bio_for_each_segment(bv, bio, iter) {
		unsigned int done = 0;

		while (done < bv.bv_len) {
			pgoff_t idx = sector >> PAGE_SECTORS_SHIFT;
			unsigned int off = (sector & (PAGE_SECTORS - 1)) << SECTOR_SHIFT;
			unsigned int n = min_t(unsigned int, bv.bv_len - done, PAGE_SIZE - off);
			struct page *page = xa_load(&rs->pages, idx);

			if (page)
				memcpy_page(bv.bv_page, bv.bv_offset + done, page, off, n);
			else
				memzero_page(bv.bv_page, bv.bv_offset + done, n);
			done += n;
			sector += n >> SECTOR_SHIFT;
		}
	}
	rcu_read_unlock();
}

/* Zero @len bytes at @off of page @idx, if that page exists. */
static void ram_zero_partial(struct ram_store *rs, pgoff_t idx,
			     unsigned int off, unsigned int len)
{
	struct page *page;

	rcu_read_lock();
	page = xa_load(&rs->pages, idx);
	if (page)
		memzero_page(page, off, len);
	rcu_read_unlock();
}

/* Free (or, if !@unmap, zero) the existing pages @first..@last. */
static void ram_drop_pages(struct ram_store *rs, pgoff_t first, pgoff_t last,
			   bool unmap)
{
	struct page *page;
	unsigned long idx;

	xa_for_each_range(&rs->pages, idx, page, first, last) {
		if (!unmap) {
			ram_zero_partial(rs, idx, 0, PAGE_SIZE);
			continue;
		}
		page = xa_erase(&rs->pages, idx);
		if (page) {
			atomic_long_dec(&rs->nr_pages);
			call_rcu(&page->rcu_head, ram_free_page_rcu);
		}
	}
}

/* Make sectors [@start, @end) read as zeros, freeing whole pages if @unmap. */
static void ram_zero_range(struct ram_store *rs, sector_t start, sector_t end,
			   bool unmap)
{
	sector_t first = round_up(start, PAGE_SECTORS);
	sector_t last = round_down(end, PAGE_SECTORS);

	if (first >= last) {
		/* Within one page, or straddling one page boundary. */
		while (start < end) {
			unsigned int off = (start & (PAGE_SECTORS - 1)) << SECTOR_SHIFT;
			unsigned int n = min_t(sector_t, end - start,
					       PAGE_SECTORS - (start & (PAGE_SECTORS - 1)));

			ram_zero_partial(rs, start >> PAGE_SECTORS_SHIFT, off,
					 n << SECTOR_SHIFT);
			start += n;
		}
		return;
	}

	if (start < first)
		ram_zero_partial(rs, start >> PAGE_SECTORS_SHIFT,
				 (start & (PAGE_SECTORS - 1)) << SECTOR_SHIFT,
				 (first - start) << SECTOR_SHIFT);
	ram_drop_pages(rs, first >> PAGE_SECTORS_SHIFT,
		       (last >> PAGE_SECTORS_SHIFT) - 1, unmap);
	if (last < end)
		ram_zero_partial(rs, last >> PAGE_SECTORS_SHIFT, 0,
				 (end - last) << SECTOR_SHIFT);
}

/*
 * Construct a ram mapping:
 *
 *	(no arguments)
 *
 * The target is a singleton, so it covers the whole device and its
 * sectors are the store's sectors.
 */
static int ram_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct ram_c *rc;
	int r;

	if (argc) {
		ti->error = "The ram target takes no arguments";
		return -EINVAL;
	}

	rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	if (!rc) {
		ti->error = "Cannot allocate ram context";
		return -ENOMEM;
	}
	rc->read_only = !(dm_table_get_mode(ti->table) & RAM_TABLE_WRITE);

	rc->store = ram_store_get(dm_table_get_md(ti->table));
	if (!rc->store) {
		ti->error = "Cannot allocate page store";
		r = -ENOMEM;
		goto bad;
	}

	ti->private = rc;
	if (!rc->read_only) {
		ti->num_discard_bios = 1;
		ti->num_write_zeroes_bios = 1;
	}
	return 0;

bad:
	kfree(rc);
	return r;
}

static void ram_dtr(struct dm_target *ti)
{
	struct ram_c *rc = ti->private;

	ram_store_put(rc->store);
	kfree(rc);
}

static int ram_map(struct dm_target *ti, struct bio *bio)
{
	struct ram_c *rc = ti->private;
	sector_t sector = dm_target_offset(ti, bio->bi_iter.bi_sector);

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		ram_read(rc->store, bio, sector);
		break;
	case REQ_OP_WRITE:
		if (rc->read_only)
			return DM_MAPIO_KILL;
		bio->bi_status = ram_write(rc->store, bio, sector);
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		if (rc->read_only)
			return DM_MAPIO_KILL;
		ram_zero_range(rc->store, sector, sector + bio_sectors(bio),
			       !(bio->bi_opf & REQ_NOUNMAP));
		break;
	default:
		return DM_MAPIO_KILL;
	}
	bio_endio(bio);
	return DM_MAPIO_SUBMITTED;
}

/*
 * A reload may have shrunk the device.  Drop what lies past the new end,
 * so that growing it again later shows zeros there and not old data.  The
 * device is suspended here, so no I/O races with this.
 */
static void ram_resume(struct dm_target *ti)
{
	struct ram_c *rc = ti->private;
	sector_t end = round_up(ti->len, PAGE_SECTORS);

	if (end != ti->len)
		ram_zero_partial(rc->store, ti->len >> PAGE_SECTORS_SHIFT,
				 (ti->len & (PAGE_SECTORS - 1)) << SECTOR_SHIFT,
				 (end - ti->len) << SECTOR_SHIFT);
	ram_drop_pages(rc->store, end >> PAGE_SECTORS_SHIFT, ULONG_MAX, true);
}

static void ram_status(struct dm_target *ti, status_type_t type,
		       unsigned int status_flags, char *result, unsigned int maxlen)
{
	struct ram_c *rc = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		/* Bytes of RAM holding data. */
		DMEMIT("%llu", (unsigned long long)atomic_long_read(&rc->store->nr_pages)
		       << PAGE_SHIFT);
		break;
	case STATUSTYPE_TABLE:
		result[0] = '\0';
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(";");
		break;
	}
}

/* No underlying device; dm (6.1) calls io_hints only with this method. */
static int ram_iterate_devices(struct dm_target *ti,
			       iterate_devices_callout_fn fn, void *data)
{
	return 0;
}

static void ram_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct ram_c *rc = ti->private;

	limits->physical_block_size = PAGE_SIZE;
	if (rc->read_only)
		return;

	limits->discard_granularity = PAGE_SIZE;
	/* See loop_io_hints() in dm-loop.c for why both fields are set. */
	limits->max_hw_discard_sectors = RAM_MAX_DISCARD_SECTORS;
	limits->max_discard_sectors = RAM_MAX_DISCARD_SECTORS;
	limits->max_write_zeroes_sectors = RAM_MAX_DISCARD_SECTORS;
}

static struct target_type ram_target = {
	.name		 = "ram",
	.version	 = {1, 0, 0},
	.features	 = DM_TARGET_SINGLETON,
	.module		 = THIS_MODULE,
	.ctr		 = ram_ctr,
	.dtr		 = ram_dtr,
	.map		 = ram_map,
	.resume		 = ram_resume,
	.status		 = ram_status,
	.iterate_devices = ram_iterate_devices,
	.io_hints	 = ram_io_hints,
};

static int __init dm_ram_init(void)
{
	int r;

	r = dm_register_target(&ram_target);
	if (r < 0)
		DMERR("register failed %d", r);
	return r;
}

static void __exit dm_ram_exit(void)
{
	dm_unregister_target(&ram_target);
	/* Discarded pages may still wait for their RCU callback. */
	rcu_barrier();
	WARN_ON(!list_empty(&ram_stores));
}

module_init(dm_ram_init);
module_exit(dm_ram_exit);

MODULE_DESCRIPTION(DM_NAME " target keeping its data in RAM");
MODULE_AUTHOR("dmloop developers");
MODULE_LICENSE("GPL");
