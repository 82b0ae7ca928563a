# Issue 18: in-app notifications (agreements.models.notifications).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0013_saved_views'),
    ]

    operations = [
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('due_soon', 'Milestone due soon'), ('overdue', 'Milestone overdue'), ('escalation', 'Overdue milestone (managers copied)'), ('stale', 'Agreement without update'), ('closure_waiting', 'Closure waiting for approval'), ('digest', 'Weekly digest')], max_length=20, verbose_name='kind')),
                ('days', models.IntegerField(default=0, verbose_name='days')),
                ('about', models.DateField(blank=True, null=True, verbose_name='about the date')),
                ('facts', models.JSONField(blank=True, default=dict, verbose_name='details')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='sent at')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read at')),
                ('agreement', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='agreements.agreement', verbose_name='agreement')),
                ('milestone', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='agreements.milestone', verbose_name='milestone')),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
                ('reminder', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='notification', to='agreements.reminder', verbose_name='reminder')),
            ],
            options={
                'verbose_name': 'notification',
                'verbose_name_plural': 'notifications',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['recipient', 'read_at'], name='notification_unread'), models.Index(fields=['recipient', '-created_at'], name='notification_recent')],
                'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['due_soon', 'overdue', 'escalation', 'stale', 'closure_waiting', 'digest'])), name='notification_kind_valid')],
            },
        ),
    ]
