export interface PageParams {
	page: number;
	pageSize: number;
}

/** The wire shape of a paged list (WIRE-PROFILE): `{list, total, page, pageSize}`. */
export const pageOut = <T>(list: T[], total: number, p: PageParams) => ({
	list,
	total,
	page: p.page,
	pageSize: p.pageSize,
});
