/**
 * Where the pictures searched for are kept and for how long (./query-pictures.ts). Free of
 * imports: the stacks read it too, to give the uploads bucket its lifecycle rule.
 */
export const QUERY_PICTURE_DAYS = 7;
/** The top folder of every tenant's kept pictures (the S3 lifecycle rule's prefix). */
export const QUERY_PICTURES_FOLDER = "_queries";
