CREATE TABLE `dev_secrets` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `device_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`device_id` text NOT NULL,
	`device_type` text NOT NULL,
	`refresh_jti` text NOT NULL,
	`created_at` integer NOT NULL,
	`refreshed_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`revoked_reason` text
);
--> statement-breakpoint
CREATE INDEX `device_sessions_user_idx` ON `device_sessions` (`user_id`,`device_id`);--> statement-breakpoint
CREATE TABLE `login_failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `login_failures_account_idx` ON `login_failures` (`account`,`at`);--> statement-breakpoint
CREATE TABLE `push_tokens` (
	`user_id` text NOT NULL,
	`device_id` text NOT NULL,
	`push_token` text NOT NULL,
	`platform` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `device_id`)
);
--> statement-breakpoint
CREATE TABLE `user_devices` (
	`user_id` text NOT NULL,
	`device_id` text NOT NULL,
	`device_type` text NOT NULL,
	`last_login_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `device_id`)
);
--> statement-breakpoint
CREATE TABLE `user_qrcodes` (
	`token` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `user_qrcodes_user_idx` ON `user_qrcodes` (`user_id`);--> statement-breakpoint
CREATE TABLE `user_settings` (
	`user_id` text PRIMARY KEY NOT NULL,
	`notification_enabled` integer DEFAULT true NOT NULL,
	`sound_enabled` integer DEFAULT true NOT NULL,
	`vibration_enabled` integer DEFAULT true NOT NULL,
	`message_preview_enabled` integer DEFAULT true NOT NULL,
	`friend_verify_required` integer DEFAULT true NOT NULL,
	`search_by_phone` integer DEFAULT true NOT NULL,
	`search_by_id` integer DEFAULT true NOT NULL,
	`language` text DEFAULT 'zh_CN' NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`phone` text,
	`email` text,
	`password_hash` text NOT NULL,
	`status` integer DEFAULT 1 NOT NULL,
	`nickname` text NOT NULL,
	`avatar` text DEFAULT '' NOT NULL,
	`signature` text DEFAULT '' NOT NULL,
	`gender` integer DEFAULT 0 NOT NULL,
	`birthday` integer,
	`region` text DEFAULT '' NOT NULL,
	`qrcode_token` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_phone_uq` ON `users` (`phone`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_uq` ON `users` (`email`);--> statement-breakpoint
CREATE INDEX `users_nickname_idx` ON `users` (`nickname`);