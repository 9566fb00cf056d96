/** This package's version, reported by every instance (a test keeps it equal to package.json's). */
export const DIALS_VERSION = '0.1.0';
