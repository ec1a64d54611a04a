/*
 * governance.c
 *	  The role on whose behalf a governance function runs.
 *
 * Release governance decides from role membership who may do what: the
 * projects a researcher works in, the boards a reviewer sits on, the
 * registry a data manager speaks for.  The procedures that apply those rules
 * are SECURITY DEFINER, and inside them current_user is their owner, so they
 * need the role that called them.  PostgreSQL keeps it as the "outer" user
 * id: the session user, or the role chosen with SET ROLE, which can only be
 * a role the session user is a member of.  SECURITY DEFINER functions do not
 * change it, and SET ROLE is refused inside them.  No setting that a user can
 * give an arbitrary value (a custom GUC such as app.project) enters it.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"

/*
 * calling_role() returns the role the statement runs as outside every
 * SECURITY DEFINER function: current_user as the caller saw it.
 */
PG_FUNCTION_INFO_V1(pseudolink_calling_role);
Datum
pseudolink_calling_role(PG_FUNCTION_ARGS)
{
	char	   *rolname = GetUserNameFromId(GetOuterUserId(), false);

	PG_RETURN_DATUM(DirectFunctionCall1(namein, CStringGetDatum(rolname)));
}
