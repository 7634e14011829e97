export * from "./social";
export * from "./users";
