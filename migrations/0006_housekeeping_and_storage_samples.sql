CREATE TABLE `housekeeping` (
	`task` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `storage_samples` (
	`sampled_at` integer PRIMARY KEY NOT NULL,
	`database_bytes` integer NOT NULL,
	`newest_point_id` integer NOT NULL
);
