/*
 * pseudolink.h
 *	  Declarations shared by the modules of the pseudolink extension.
 *
 * Each module (one .c file per concern) declares here only what another
 * module needs from it; module-private helpers stay static in their file.
 */
#ifndef PSEUDOLINK_H
#define PSEUDOLINK_H

/* Version of the shared library; the build passes it from the control file. */
#ifndef PSEUDOLINK_VERSION
#error "PSEUDOLINK_VERSION must be defined by the build"
#endif

#endif							/* PSEUDOLINK_H */
