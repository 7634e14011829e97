CREATE TABLE `hub_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`row` text NOT NULL
);
