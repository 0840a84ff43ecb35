ALTER TABLE `price_points` ADD `currency` text;--> statement-breakpoint
ALTER TABLE `price_points` ADD `open` real;--> statement-breakpoint
ALTER TABLE `price_points` ADD `high` real;--> statement-breakpoint
ALTER TABLE `price_points` ADD `low` real;--> statement-breakpoint
ALTER TABLE `price_points` ADD `previous_close` real;--> statement-breakpoint
ALTER TABLE `price_points` ADD `change` real;--> statement-breakpoint
ALTER TABLE `price_points` ADD `change_percent` real;--> statement-breakpoint
ALTER TABLE `price_points` ADD `volume` real;--> statement-breakpoint
ALTER TABLE `price_points` ADD `exchange` text;--> statement-breakpoint
ALTER TABLE `price_points` ADD `market_state` text;