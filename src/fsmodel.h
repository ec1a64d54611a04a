/*
 * fsmodel.h
 *	  A Fellegi-Sunter model compiled from the model tables (fs_model,
 *	  fs_comparison, fs_level) for scoring pairs.
 *
 * A model has comparisons in position order 1..n; a comparison has levels
 * 0..k (level 0 "else", the highest exact agreement, see levels.h), each
 * with m = P(level | match) and u = P(level | non-match).  A pair's match
 * weight is the prior's log2 odds plus, per comparison with a level,
 * log2(m / u) of that level (Splink's match weight).  The compiled form keeps
 * those logarithms, so scoring a pair is a few additions.
 */
#ifndef PSEUDOLINK_FSMODEL_H
#define PSEUDOLINK_FSMODEL_H

#include "fmgr.h"

/* Limits, also checked by the tables' constraints. */
#define FS_MAX_COMPARISONS	64
#define FS_MAX_LEVEL		99

typedef struct FsLevel
{
	bool		present;		/* the model defines this level */
	double		m;
	double		u;
	double		weight;			/* log2(m / u) */
	bool		tf_adjust;		/* exact agreement: u from the value's frequency */
	double		tf_weight;		/* share of the adjustment applied, 0..1 */
	double		tf_minimum_u;	/* floor for the frequency */
	char	   *label;
} FsLevel;

typedef struct FsComparison
{
	char	   *name;
	int			nlevels;		/* highest level + 1 */
	FsLevel    *levels;			/* indexed by level */
} FsComparison;

typedef struct FsModel
{
	char	   *name;
	double		prior;			/* lambda: P(match) for a candidate pair */
	double		prior_weight;	/* log2(prior / (1 - prior)) */
	int			ncomp;
	FsComparison *comp;			/* in position order */
} FsModel;

/*
 * The model of that name, compiled and cached in fcinfo->flinfo->fn_extra
 * for as long as the model tables cannot have changed (fsmodel.c); raises
 * when the model does not exist or cannot score yet.
 */
extern FsModel *FsGetModel(FunctionCallInfo fcinfo, text *name);

#endif							/* PSEUDOLINK_FSMODEL_H */
