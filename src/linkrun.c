/*
 * linkrun.c
 *	  What the link procedure needs to know about the transaction it runs in.
 *
 * pseudolink.link() commits after every batch, so that a crash or a cancel
 * loses at most the batch in progress and another session sees the
 * progress.  A procedure can commit only when CALLed outside a transaction
 * block; inside one, its first COMMIT fails with PostgreSQL's terse
 * "invalid transaction termination", after the work of the first batch.
 * The procedure asks first and says what to do instead.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"

/*
 * link_in_transaction_block() returns whether the current statement runs
 * inside an explicit transaction block (BEGIN ... COMMIT).
 */
PG_FUNCTION_INFO_V1(pseudolink_link_in_transaction_block);
Datum
pseudolink_link_in_transaction_block(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(IsTransactionBlock());
}
