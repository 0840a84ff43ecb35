CREATE TABLE `moving_averages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`symbol` text NOT NULL,
	`provider` text NOT NULL,
	`kind` text NOT NULL,
	`window` integer NOT NULL,
	`value` real NOT NULL,
	`as_of` integer NOT NULL,
	`points` integer NOT NULL,
	`computed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `moving_averages_symbol_provider_kind_window_as_of` ON `moving_averages` (`symbol`,`provider`,`kind`,`window`,`as_of`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`symbol` text NOT NULL,
	`provider` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_event_id_unique` ON `outbox` (`event_id`);--> statement-breakpoint
CREATE INDEX `outbox_symbol_provider_id` ON `outbox` (`symbol`,`provider`,`id`);--> statement-breakpoint
CREATE TABLE `poll_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`symbols` text NOT NULL,
	`interval` integer NOT NULL,
	`provider` text NOT NULL,
	`pinned` integer NOT NULL,
	`created_at` integer NOT NULL,
	`stopped_at` integer,
	`last_run_at` integer,
	`runs` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `poll_jobs_status` ON `poll_jobs` (`status`);--> statement-breakpoint
CREATE TABLE `price_points` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`symbol` text NOT NULL,
	`provider` text NOT NULL,
	`ts` integer NOT NULL,
	`price` real NOT NULL,
	`raw_response_id` text NOT NULL,
	`event_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `price_points_symbol_provider_ts` ON `price_points` (`symbol`,`provider`,`ts`);--> statement-breakpoint
CREATE TABLE `raw_responses` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`symbols` text NOT NULL,
	`url` text NOT NULL,
	`http_status` integer NOT NULL,
	`body` text NOT NULL,
	`fetched_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `raw_responses_fetched_at` ON `raw_responses` (`fetched_at`);