/** Header by which the Worker hands the verified identity to a UserHub on upgrade. */
export const IDENTITY_HEADER = "X-AnyChat-Identity";
