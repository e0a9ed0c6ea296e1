// Linux's open(2) and *at(2) flag values (x86-64 and arm64 alike), for the koffi calls of
// the platform layer, which Node's fs.constants do not all cover (O_PATH, AT_EMPTY_PATH).

export const O_RDONLY = 0;
export const O_WRONLY = 0x1;
export const O_CREAT = 0x40;
export const O_EXCL = 0x80;
export const O_DIRECTORY = 0x10000;
export const O_NOFOLLOW = 0x20000;
export const O_CLOEXEC = 0x80000;
export const O_PATH = 0x200000;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_EMPTY_PATH = 0x1000;
