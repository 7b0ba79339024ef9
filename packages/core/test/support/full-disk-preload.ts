/**
 * Loaded with `node --import` into a `vos` process that a test wants on a full disk where no
 * tmpfs can be mounted: every write under VOS_TEST_FULL_DISK fails with ENOSPC from `fs`.
 */
import { injectFullDisk } from "./full-disk.js";

const dir = process.env.VOS_TEST_FULL_DISK;
if (dir) injectFullDisk(dir).fill();
