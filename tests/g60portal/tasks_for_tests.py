from django.tasks import task


@task
def note_periodic_run():
    return "ran"
