ALTER TABLE `raw_responses` ADD `body_bytes` integer;--> statement-breakpoint
ALTER TABLE `raw_responses` ADD `body_truncated` integer DEFAULT false NOT NULL;