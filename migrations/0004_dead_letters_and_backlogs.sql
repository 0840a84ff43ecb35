CREATE TABLE `dead_letter_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`symbol` text NOT NULL,
	`provider` text NOT NULL,
	`payload` text NOT NULL,
	`reason` text NOT NULL,
	`attempts` integer NOT NULL,
	`dead_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dead_letter_events_dead_at` ON `dead_letter_events` (`dead_at`);--> statement-breakpoint
CREATE TABLE `event_backlogs` (
	`symbol` text NOT NULL,
	`provider` text NOT NULL,
	`pending_since` integer NOT NULL,
	PRIMARY KEY(`symbol`, `provider`)
);
