CREATE TABLE `backfill_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`config` text NOT NULL,
	`requests_done` integer DEFAULT 0 NOT NULL,
	`requests_planned` integer DEFAULT 0 NOT NULL,
	`bars_stored` integer DEFAULT 0 NOT NULL,
	`current` text,
	`errors` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `backfill_jobs_created_at` ON `backfill_jobs` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `bar_coverage` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`symbol` text NOT NULL,
	`provider` text NOT NULL,
	`interval` text NOT NULL,
	`from_ts` integer NOT NULL,
	`to_ts` integer NOT NULL,
	`fetched_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `bar_coverage_symbol_provider_interval_from` ON `bar_coverage` (`symbol`,`provider`,`interval`,`from_ts`);--> statement-breakpoint
CREATE TABLE `price_bars` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`symbol` text NOT NULL,
	`provider` text NOT NULL,
	`interval` text NOT NULL,
	`ts` integer NOT NULL,
	`open` real NOT NULL,
	`high` real NOT NULL,
	`low` real NOT NULL,
	`close` real NOT NULL,
	`volume` real,
	`adjusted_close` real,
	`raw_response_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `price_bars_symbol_provider_interval_ts` ON `price_bars` (`symbol`,`provider`,`interval`,`ts`);